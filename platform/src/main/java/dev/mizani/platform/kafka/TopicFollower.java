package dev.mizani.platform.kafka;

import dev.mizani.platform.health.Health;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows topics from the beginning, every partition, outside any consumer group, handing each record to
 * {@code apply} on one background thread: how a service keeps an in-memory view of another context's
 * stream (the payee directory, the callback endpoints). {@code apply} handles its own bad records; a
 * {@link RegistryUnavailableException} that escapes it makes the follower read that record again after a pause;
 * anything else that escapes it or the consumer stops the follower, since a view that skipped a record would be
 * wrong without saying so. The failure is logged and kept for the owner's health check ({@link #check}).
 */
public final class TopicFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);
    private final String name;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Consumer<ConsumerRecord<String, byte[]>> apply;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;
    private volatile RegistryUnavailableException waiting;

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
            int waits = 0;
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                RegistryUnavailableException unavailable = applyAll(records);
                if (unavailable == null) {
                    if (!records.isEmpty()) { // an empty poll says nothing of the record it waits for
                        waiting = null;
                        waits = 0;
                    }
                    continue;
                }
                waiting = unavailable;
                long pauseMs = RegistryUnavailableException.pauseMs(waits);
                if (waits++ % 10 == 0) {
                    log.warn("{} waits for the schema registry ({} times in a row), reading again in {} ms: {}", name,
                            waits, pauseMs, unavailable.getMessage());
                }
                Thread.sleep(pauseMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException | InterruptException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            log.error("{} stopped following its topics; what it shows is no longer current: {}", name, e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Applies the records in order per partition. A record whose schema the registry cannot give now is not skipped:
     * its partition is sought back to it, and every partition not yet begun to its first record, to be read again.
     * Returns that failure, or null when every record was applied.
     */
    private RegistryUnavailableException applyAll(ConsumerRecords<String, byte[]> records) {
        RegistryUnavailableException unavailable = null;
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> inPartition = records.records(tp);
            if (unavailable != null) {
                consumer.seek(tp, inPartition.getFirst().offset());
                continue;
            }
            for (ConsumerRecord<String, byte[]> r : inPartition) {
                try {
                    apply.accept(r);
                } catch (RegistryUnavailableException e) {
                    consumer.seek(tp, r.offset());
                    unavailable = e;
                    break;
                }
            }
        }
        return unavailable;
    }

    /**
     * Up while it follows (or has not started yet); down, with the reason, once a failure stopped it, and while it
     * waits for the registry to read a record (what it shows is not current then either).
     */
    public Health.Check check() {
        RuntimeException e = failure;
        if (e != null) {
            return Health.Check.down("stopped following: " + e);
        }
        RegistryUnavailableException w = waiting;
        return w == null ? Health.Check.up("following") : Health.Check.down("waiting for the schema registry: " + w.getMessage());
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
