package dev.mizani.platform.commandloop;

import dev.mizani.platform.eventstore.DeadLetters;
import dev.mizani.platform.eventstore.LoadedStream;
import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.eventstore.Snapshot;
import dev.mizani.platform.eventstore.StoredEvent;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The command loop's durable state, as the loop needs it and no more: event streams with their snapshots,
 * which derived commands a stream already applied, and per input partition the next offset to consume with
 * the positions of events that may not be published yet. PostgreSQL in production ({@link JdbcCommandStore});
 * an in-memory store that fails at any step in the seeded simulation, which so runs the loop's own code.
 *
 * <p>Any method may throw {@link SQLException}: the loop then rewinds its batch. {@link Session#commit} may
 * also have committed before it threw (the client never learned the outcome); the loop reads the offsets
 * again before it decides anything, so such a batch is recognised and never applied twice.
 */
public interface CommandStore {
    /** The stored offset of a partition none of whose records was processed yet: start from its earliest. */
    long FROM_BEGINNING = -1;

    /** A session for one batch (one database connection in production). */
    Session open() throws SQLException;

    /** Where a partition resumes, and the positions of events committed but perhaps not yet published. */
    record StoredOffset(long nextOffset, long[] unpublishedPositions) {}

    /** Moves a partition from {@code expectedOffset} (else the writer is fenced) to {@code nextOffset}. */
    record OffsetAdvance(long expectedOffset, long nextOffset, long[] unpublishedPositions) {}

    /**
     * Everything one batch writes, in one transaction: its events (each with the input partition whose record
     * caused it), the domain events they encode (for a context's own index, such as expiry timers), due
     * snapshots, dead letters, and each input partition's move from the offset it expects to the next one.
     */
    record BatchWrite(List<NewEvent> events, List<TopicPartition> eventSources, List<Object> domainEvents,
                      List<Snapshot> snapshots, List<DeadLetters.DeadLetter> deadLetters,
                      Map<TopicPartition, Long> expectedOffsets, Map<TopicPartition, Long> nextOffsets) {

        /** Each partition's advance, listing as unpublished the positions its records' events were stored at. */
        public Map<TopicPartition, OffsetAdvance> advances(long[] positions) {
            Map<TopicPartition, List<Long>> bySource = new HashMap<>();
            for (int i = 0; i < positions.length; i++) {
                bySource.computeIfAbsent(eventSources.get(i), tp -> new ArrayList<>()).add(positions[i]);
            }
            Map<TopicPartition, OffsetAdvance> advances = new HashMap<>();
            for (Map.Entry<TopicPartition, Long> e : nextOffsets.entrySet()) {
                Long expected = expectedOffsets.get(e.getKey());
                if (expected == null) {
                    throw new FencedException("batch holds records of " + e.getKey()
                            + ", which this instance no longer owns", null);
                }
                long[] unpublished = bySource.getOrDefault(e.getKey(), List.of()).stream()
                        .mapToLong(Long::longValue).toArray();
                advances.put(e.getKey(), new OffsetAdvance(expected, e.getValue(), unpublished));
            }
            return advances;
        }
    }

    interface Session extends AutoCloseable {
        /** The latest snapshot and the events after it, of each stream; absent streams come back empty. */
        Map<String, LoadedStream> load(Collection<String> streamIds) throws SQLException;

        /** Every event of a stream from version 1, ignoring snapshots. */
        List<StoredEvent> readStream(String streamId) throws SQLException;

        /**
         * The events each (stream, derived command id) pair already caused, keyed by
         * {@link dev.mizani.platform.eventstore.EventStore#commandKey}; pairs never applied are absent. A packed
         * event is found by the command's id and the position of the event it came from
         * ({@code sourcePositions}, {@link dev.mizani.platform.eventstore.EventPositions#NONE} for none).
         */
        Map<String, List<StoredEvent>> causedBy(List<String> streamIds, List<String> commandIds, List<Long> sourcePositions)
                throws SQLException;

        /** The stored offset of each partition, created (from the beginning) where there is none. */
        Map<TopicPartition, StoredOffset> readOffsets(Collection<TopicPartition> partitions) throws SQLException;

        List<StoredEvent> readByPositions(long[] positions) throws SQLException;

        /** Moves offsets on their own (clearing publication marks); {@link FencedException} on a stale expectation. */
        void advance(Map<TopicPartition, OffsetAdvance> advances) throws SQLException;

        /**
         * Writes the batch atomically and returns its events' global positions. A stream version already taken
         * or a stale offset expectation means another instance owns the partition: {@link FencedException},
         * nothing written.
         */
        long[] commit(BatchWrite batch) throws SQLException;

        @Override
        void close() throws SQLException;
    }
}
