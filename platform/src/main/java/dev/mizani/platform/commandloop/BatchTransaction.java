package dev.mizani.platform.commandloop;

import dev.mizani.platform.eventstore.DeadLetters;

import dev.mizani.platform.eventstore.ConcurrencyConflictException;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.NewEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes one decided batch in one PostgreSQL transaction: the events, the due snapshots, the dead
 * letters and the consumed offsets. Either all of it is visible or none; a redelivered batch then finds
 * its offsets already past and is skipped, which is what makes the loop's effects exactly-once.
 */
final class BatchTransaction {
    private final EventStore store;
    private final ProcessorOffsets offsets;
    private final String processor;
    private final ProcessorHooks hooks;
    private final TransactionalIndex<Object> index;

    @SuppressWarnings("unchecked")
    BatchTransaction(EventStore store, ProcessorOffsets offsets, String processor, ProcessorHooks hooks,
                     TransactionalIndex<?> index) {
        this.store = store;
        this.offsets = offsets;
        this.processor = processor;
        this.hooks = hooks;
        this.index = (TransactionalIndex<Object>) index;
    }

    /**
     * @param expectedOffsets where each partition's stored offset is believed to be
     * @return the stored offsets after commit
     */
    Map<TopicPartition, Long> commit(Connection c, DecidedBatch<?> batch, Map<TopicPartition, Long> expectedOffsets)
            throws SQLException {
        c.setAutoCommit(false);
        try {
            List<NewEvent> events = new ArrayList<>(batch.events().size());
            batch.events().forEach(e -> events.add(e.event()));
            long[] positions = store.append(c, events);
            if (!batch.events().isEmpty()) {
                List<Object> domainEvents = new ArrayList<>(batch.events().size());
                batch.events().forEach(e -> domainEvents.add(e.domainEvent()));
                index.apply(c, domainEvents);
            }
            store.saveSnapshots(c, batch.snapshots());
            recordDeadLetters(c, batch.deadLetters());
            Map<TopicPartition, Long> committed = new HashMap<>();
            offsets.advance(c, advances(batch, positions, expectedOffsets, committed));
            hooks.at(ProcessorHooks.Point.INSIDE_TRANSACTION);
            c.commit();
            return committed;
        } catch (ConcurrencyConflictException e) {
            c.rollback();
            throw new FencedException(processor + " lost a stream to another writer: " + e.getMessage(), e);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        }
    }

    private static Map<TopicPartition, ProcessorOffsets.Advance> advances(DecidedBatch<?> batch, long[] positions,
            Map<TopicPartition, Long> expectedOffsets, Map<TopicPartition, Long> committed) {
        Map<TopicPartition, List<Long>> positionsBySource = new HashMap<>();
        for (int i = 0; i < positions.length; i++) {
            positionsBySource.computeIfAbsent(batch.events().get(i).source(), tp -> new ArrayList<>()).add(positions[i]);
        }
        Map<TopicPartition, ProcessorOffsets.Advance> advances = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : batch.nextOffsets().entrySet()) {
            Long expected = expectedOffsets.get(e.getKey());
            if (expected == null) {
                throw new FencedException("batch holds records of " + e.getKey() + ", which this instance no longer owns", null);
            }
            long[] unpublished = positionsBySource.getOrDefault(e.getKey(), List.of()).stream()
                    .mapToLong(Long::longValue).toArray();
            advances.put(e.getKey(), new ProcessorOffsets.Advance(expected, e.getValue(), unpublished));
            committed.put(e.getKey(), e.getValue());
        }
        return advances;
    }

    private void recordDeadLetters(Connection c, List<DecidedBatch.DeadLetter> deadLetters) throws SQLException {
        DeadLetters.record(c, processor, deadLetters.stream()
                .map(d -> new DeadLetters.DeadLetter(d.record(), d.reason())).toList());
    }
}
