package dev.mizani.hub.simulation;

import dev.mizani.platform.commandloop.CommandSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * A handler instance's consumer on a {@link SimTopic}, the only member of its group: it is given every
 * partition at its first poll (through the listener, inside poll, as Kafka does), and each poll returns a
 * batch of random size, with a random share of each partition's next records, in partition order. A
 * rebalance revokes and assigns again at the next poll. With the broker away, polls return nothing.
 */
final class SimSource implements CommandSource {
    private final SimTopic topic;
    private final SimFaults faults;
    private final int batchMax;
    private ConsumerRebalanceListener listener;
    private final Set<TopicPartition> assignment = new LinkedHashSet<>();
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private boolean assignmentDue;
    private boolean revocationDue;

    SimSource(SimTopic topic, SimFaults faults, int batchMax) {
        this.topic = topic;
        this.faults = faults;
        this.batchMax = batchMax;
    }

    @Override
    public void subscribe(String name, ConsumerRebalanceListener listener) {
        this.listener = listener;
        assignmentDue = true;
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        assignment.addAll(partitions);
    }

    /** The group rebalances: at the next poll the partitions are revoked, then given back. */
    void rebalance() {
        revocationDue = !assignment.isEmpty();
        assignmentDue = true;
    }

    @Override
    public ConsumerRecords<String, byte[]> poll(Duration timeout) {
        if (revocationDue) {
            revocationDue = false;
            Set<TopicPartition> revoked = new LinkedHashSet<>(assignment);
            assignment.clear();
            listener.onPartitionsRevoked(revoked);
        }
        if (assignmentDue && !faults.brokerDown) {
            assignmentDue = false;
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < topic.partitionCount(); p++) {
                all.add(new TopicPartition(topic.name, p));
            }
            assignment.addAll(all);
            all.forEach(tp -> positions.put(tp, 0L)); // auto.offset.reset=earliest until the listener seeks
            listener.onPartitionsAssigned(all);
        }
        Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> batch = new LinkedHashMap<>();
        if (faults.brokerDown || assignment.isEmpty()) {
            return new ConsumerRecords<>(batch, Map.of());
        }
        int room = 1 + faults.random.nextInt(batchMax);
        List<TopicPartition> order = new ArrayList<>(assignment);
        Collections.shuffle(order, faults.random);
        for (TopicPartition tp : order) {
            long position = positions.getOrDefault(tp, 0L);
            long available = topic.endOffset(tp.partition()) - position;
            int take = (int) Math.min(room, available <= 0 ? 0 : 1 + faults.random.nextInt((int) Math.min(available, batchMax)));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(take);
            for (int i = 0; i < take; i++) {
                records.add(topic.at(tp.partition(), position + i));
            }
            if (!records.isEmpty()) {
                batch.put(tp, records);
                positions.put(tp, position + take);
                room -= take;
            }
            if (room == 0) {
                break;
            }
        }
        return new ConsumerRecords<>(batch, Map.of());
    }

    @Override
    public Set<TopicPartition> assignment() {
        return Set.copyOf(assignment);
    }

    @Override
    public void seek(TopicPartition partition, long offset) {
        positions.put(partition, offset);
    }

    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> positions.put(tp, 0L));
    }

    /** True when every owned partition has been read to its end (what is read may still be in a failed batch). */
    boolean atEnd() {
        return assignment.size() == topic.partitionCount() && assignment.stream()
                .allMatch(tp -> positions.getOrDefault(tp, 0L) >= topic.endOffset(tp.partition()));
    }

    @Override
    public void wakeup() {
    }

    @Override
    public void close() {
    }
}
