package dev.mizani.hub.simulation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Utils;

/**
 * One topic as the simulation sees it: partitions by Kafka's own partitioner on the key, each an append-only
 * log with offsets. Order holds within a partition only. Nothing is ever lost once appended.
 */
final class SimTopic {
    final String name;
    private final List<List<ConsumerRecord<String, byte[]>>> partitions = new ArrayList<>();

    SimTopic(String name, int partitionCount) {
        this.name = name;
        for (int i = 0; i < partitionCount; i++) {
            partitions.add(new ArrayList<>());
        }
    }

    int partitionCount() {
        return partitions.size();
    }

    int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions.size();
    }

    void append(String key, byte[] value) {
        append(key, value, new RecordHeaders());
    }

    /** A record with headers, which the simulation carries as Kafka does (the events' store positions). */
    void append(String key, byte[] value, Headers headers) {
        int p = partitionOf(key);
        List<ConsumerRecord<String, byte[]>> log = partitions.get(p);
        log.add(new ConsumerRecord<>(name, p, log.size(), ConsumerRecord.NO_TIMESTAMP, TimestampType.NO_TIMESTAMP_TYPE,
                ConsumerRecord.NULL_SIZE, ConsumerRecord.NULL_SIZE, key, value, headers, Optional.empty()));
    }

    /** The record at an offset, or null past the end. */
    ConsumerRecord<String, byte[]> at(int partition, long offset) {
        List<ConsumerRecord<String, byte[]>> log = partitions.get(partition);
        return offset < log.size() ? log.get((int) offset) : null;
    }

    long endOffset(int partition) {
        return partitions.get(partition).size();
    }

    long size() {
        return partitions.stream().mapToLong(List::size).sum();
    }
}
