package dev.mizani.platform.commandloop;

import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.eventstore.Snapshot;
import dev.mizani.platform.eventstore.StoredEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Everything one polled batch leads to, computed in memory before anything is written. {@code commandKeys}: every
 * command it decided or found repeated ({@link dev.mizani.platform.eventstore.EventStore#commandKey}).
 */
record DecidedBatch<S>(
        List<PendingEvent> events,
        List<Snapshot> snapshots,
        List<DeadLetter> deadLetters,
        Map<TopicPartition, Long> nextOffsets,
        Map<String, AggregateCache.Cached<S>> streams,
        List<StoredEvent> reEmitted,
        Set<String> commandKeys,
        int commandCount,
        int redeliveredSkipped,
        int repeatedCommands) {

    /** An event to append and then publish with {@code key}, caused by a record of {@code source}. */
    record PendingEvent(TopicPartition source, String key, NewEvent event, Object domainEvent) {}

    record DeadLetter(ConsumerRecord<String, byte[]> record, String reason) {}
}
