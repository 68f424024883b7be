package dev.mizani.platform.eventstore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Records a consumer could not use, kept in {@code dead_letters} with the reason, in the caller's
 * transaction so they are skipped exactly when the batch's offsets move past them.
 */
public final class DeadLetters {
    public record DeadLetter(ConsumerRecord<String, byte[]> record, String reason) {}

    private DeadLetters() {}

    public static void record(Connection c, String processor, List<DeadLetter> deadLetters) throws SQLException {
        if (deadLetters.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                insert into dead_letters (processor, topic, partition, "offset", record_key, payload, reason)
                values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing""")) {
            for (DeadLetter d : deadLetters) {
                ps.setString(1, processor);
                ps.setString(2, d.record().topic());
                ps.setInt(3, d.record().partition());
                ps.setLong(4, d.record().offset());
                ps.setString(5, d.record().key());
                ps.setBytes(6, d.record().value());
                ps.setString(7, d.reason());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
