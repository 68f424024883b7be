package dev.mizani.platform.commandloop;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the command loop's records come from: the part of a Kafka consumer the loop uses. The loop keeps its
 * offsets itself (in its {@link CommandStore}), so it only seeks, never commits. {@link KafkaCommandSource}
 * in production; a simulated topic in the seeded simulation. As with Kafka, the listener is called from
 * within {@link #poll}.
 */
public interface CommandSource extends AutoCloseable {
    /** Joins the consumer group for the topic; partitions come and go through the listener. */
    void subscribe(String topic, ConsumerRebalanceListener listener);

    /** Owns these partitions without a group. */
    void assign(Collection<TopicPartition> partitions);

    ConsumerRecords<String, byte[]> poll(Duration timeout);

    Set<TopicPartition> assignment();

    void seek(TopicPartition partition, long offset);

    void seekToBeginning(Collection<TopicPartition> partitions);

    /** Makes a blocked {@link #poll} throw {@link org.apache.kafka.common.errors.WakeupException}; any thread. */
    void wakeup();

    @Override
    void close();
}
