package dev.mizani.platform.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Follows topics from the beginning, every partition, outside any consumer group, handing each record to
 * {@code apply} on one background thread: how a service keeps an in-memory view of another context's
 * stream (the payee directory, the callback endpoints). {@code apply} handles its own bad records.
 */
public final class TopicFollower implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Consumer<ConsumerRecord<String, byte[]>> apply;
    private final Thread thread;
    private volatile boolean running = true;

    public TopicFollower(String name, String bootstrap, List<String> topics, Consumer<ConsumerRecord<String, byte[]>> apply) {
        this.consumer = new KafkaConsumer<>(KafkaClients.followerConsumer(bootstrap, null));
        this.apply = apply;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    private void run() {
        try {
            while (running) {
                consumer.poll(Duration.ofMillis(100)).forEach(apply);
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
