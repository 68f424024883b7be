package dev.mizani.platform.kafka;

import dev.mizani.platform.health.Health;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows topics from the beginning, every partition, outside any consumer group, handing each record to
 * {@code apply} on one background thread: how a service keeps an in-memory view of another context's
 * stream (the payee directory, the callback endpoints). {@code apply} handles its own bad records; anything
 * else that escapes it or the consumer stops the follower, since a view that skipped a record would be wrong
 * without saying so. The failure is logged and kept for the owner's health check ({@link #check}).
 */
public final class TopicFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);
    private final String name;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Consumer<ConsumerRecord<String, byte[]>> apply;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    public TopicFollower(String name, String bootstrap, List<String> topics, Consumer<ConsumerRecord<String, byte[]>> apply) {
        this(name, bootstrap, topics, apply, false);
        start();
    }

    /**
     * @param fromEnd follow from the end offsets as they are now, not from the beginning: for a view that first
     *                reads what it needs from the event store. Every event is stored before it is published, so what
     *                the topic held at this moment is in the store by the time the view reads it.
     */
    private TopicFollower(String name, String bootstrap, List<String> topics, Consumer<ConsumerRecord<String, byte[]>> apply,
                          boolean fromEnd) {
        this.name = name;
        this.consumer = new KafkaConsumer<>(KafkaClients.followerConsumer(bootstrap, null));
        this.apply = apply;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        if (fromEnd) {
            consumer.endOffsets(partitions).forEach(consumer::seek);
        } else {
            consumer.seekToBeginning(partitions);
        }
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
    }

    /**
     * A follower positioned at the topics' current ends and not yet started: read the store, then {@link #start} it,
     * so nothing of the topic is applied before what the store holds (a view keyed by stream version would otherwise
     * skip the store's older events).
     */
    public static TopicFollower fromEnd(String name, String bootstrap, List<String> topics,
                                        Consumer<ConsumerRecord<String, byte[]>> apply) {
        return new TopicFollower(name, bootstrap, topics, apply, true);
    }

    public synchronized TopicFollower start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (running) {
                consumer.poll(Duration.ofMillis(100)).forEach(apply);
            }
        } catch (WakeupException | InterruptException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            log.error("{} stopped following its topics; what it shows is no longer current: {}", name, e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Up while it follows (or has not started yet); down, with the reason, once a failure stopped it. */
    public Health.Check check() {
        RuntimeException e = failure;
        return e == null ? Health.Check.up("following") : Health.Check.down("stopped following: " + e);
    }

    @Override
    public synchronized void close() {
        running = false;
        if (thread.getState() == Thread.State.NEW) { // never started: nothing else holds the consumer
            consumer.close(Duration.ofSeconds(5));
            return;
        }
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
