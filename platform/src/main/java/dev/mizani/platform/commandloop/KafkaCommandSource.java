package dev.mizani.platform.commandloop;

import dev.mizani.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** The loop's records from a {@link KafkaConsumer} configured by {@link KafkaClients#processorConsumer}. */
public final class KafkaCommandSource implements CommandSource {
    private final KafkaConsumer<String, byte[]> consumer;

    public KafkaCommandSource(Map<String, Object> consumerSettings) {
        this.consumer = new KafkaConsumer<>(consumerSettings);
    }

    @Override
    public void subscribe(String topic, ConsumerRebalanceListener listener) {
        consumer.subscribe(List.of(topic), listener);
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        consumer.assign(partitions);
    }

    @Override
    public ConsumerRecords<String, byte[]> poll(Duration timeout) {
        return consumer.poll(timeout);
    }

    @Override
    public Set<TopicPartition> assignment() {
        return consumer.assignment();
    }

    @Override
    public void seek(TopicPartition partition, long offset) {
        consumer.seek(partition, offset);
    }

    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        consumer.seekToBeginning(partitions);
    }

    @Override
    public void wakeup() {
        consumer.wakeup();
    }

    /**
     * Leaves the group as it closes, static member or not: the others get its partitions at the next rebalance, not
     * after the session timeout. A member that dies without closing keeps them for that long (or until it restarts
     * under the same instance id).
     */
    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
}
