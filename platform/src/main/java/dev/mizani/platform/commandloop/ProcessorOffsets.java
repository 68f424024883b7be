package dev.mizani.platform.commandloop;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The {@code processor_offsets} table: where a processor resumes on each input partition and which of
 * its events may still be unpublished. Every advance names the offset it expects to find, so an instance
 * that lost its partition to another cannot move the offset back or past: its update matches no row.
 */
final class ProcessorOffsets {
    /** Stored before any record of the partition was processed: start from the earliest offset. */
    static final long FROM_BEGINNING = CommandStore.FROM_BEGINNING;

    private final String processor;

    ProcessorOffsets(String processor) {
        this.processor = processor;
    }

    /** Reads (creating where absent) the stored position of each partition. */
    Map<TopicPartition, CommandStore.StoredOffset> read(Connection c, Collection<TopicPartition> partitions) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("""
                insert into processor_offsets (processor, topic, partition, next_offset)
                values (?, ?, ?, ?) on conflict do nothing""")) {
            for (TopicPartition tp : partitions) {
                insert.setString(1, processor);
                insert.setString(2, tp.topic());
                insert.setInt(3, tp.partition());
                insert.setLong(4, FROM_BEGINNING);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        Map<TopicPartition, CommandStore.StoredOffset> stored = new HashMap<>();
        try (PreparedStatement select = c.prepareStatement("""
                select next_offset, unpublished_positions from processor_offsets
                 where processor = ? and topic = ? and partition = ?""")) {
            for (TopicPartition tp : partitions) {
                select.setString(1, processor);
                select.setString(2, tp.topic());
                select.setInt(3, tp.partition());
                try (ResultSet rs = select.executeQuery()) {
                    rs.next();
                    stored.put(tp, new CommandStore.StoredOffset(rs.getLong(1), unbox((Long[]) rs.getArray(2).getArray())));
                }
            }
        }
        return stored;
    }

    /** Moves each partition's offset, in the caller's transaction; throws {@link FencedException} on a stale expectation. */
    void advance(Connection c, Map<TopicPartition, CommandStore.OffsetAdvance> advances) throws SQLException {
        if (advances.isEmpty()) {
            return;
        }
        try (PreparedStatement update = c.prepareStatement("""
                update processor_offsets set next_offset = ?, unpublished_positions = ?, updated_at = now()
                 where processor = ? and topic = ? and partition = ? and next_offset = ?""")) {
            for (Map.Entry<TopicPartition, CommandStore.OffsetAdvance> e : advances.entrySet()) {
                CommandStore.OffsetAdvance a = e.getValue();
                Array positions = c.createArrayOf("bigint", box(a.unpublishedPositions()));
                update.setLong(1, a.nextOffset());
                update.setArray(2, positions);
                update.setString(3, processor);
                update.setString(4, e.getKey().topic());
                update.setInt(5, e.getKey().partition());
                update.setLong(6, a.expectedOffset());
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            int i = 0;
            for (TopicPartition tp : advances.keySet()) {
                if (counts[i++] != 1) {
                    throw new FencedException("offset of " + processor + " on " + tp + " is no longer "
                            + advances.get(tp).expectedOffset() + ": another instance owns the partition", null);
                }
            }
        }
    }

    private static Long[] box(long[] values) {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    private static long[] unbox(Long[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
