package dev.mizani.transfers.handler;

import dev.mizani.platform.commandloop.TransactionalIndex;
import dev.mizani.platform.eventstore.SqlTimestamps;
import dev.mizani.transfers.domain.TransferEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the batch's expiry timers in the batch's transaction: one {@code transfer_timer_batches} row holding every
 * prepare the batch accepted. A terminal event writes nothing: the {@link ExpiryScheduler} asks the event store
 * whether a due transfer has ended before it expires it, unless {@link EndedTransfers} already knows.
 */
public final class TransferTimers implements TransactionalIndex<TransferEvent> {
    private final EndedTransfers ended;

    /** @param ended where the transfers this handler ends are recorded once committed, for its scheduler */
    public TransferTimers(EndedTransfers ended) {
        this.ended = ended;
    }

    @Override
    public void committed(List<TransferEvent> events) {
        for (TransferEvent e : events) {
            switch (e) {
                case TransferEvent.TransferCommitted t -> ended.ended(t.transferId());
                case TransferEvent.TransferAborted a -> ended.ended(a.transferId());
                case TransferEvent.TransferExpired x -> ended.ended(x.transferId());
                default -> { }
            }
        }
    }

    @Override
    public void apply(Connection c, List<TransferEvent> events) throws SQLException {
        List<String> ids = new ArrayList<>();
        List<Instant> expirations = new ArrayList<>();
        Instant due = null;
        for (TransferEvent e : events) {
            if (e instanceof TransferEvent.TransferPrepareAccepted a) {
                ids.add(a.transferId());
                expirations.add(a.expiration());
                due = due == null || a.expiration().isBefore(due) ? a.expiration() : due;
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "insert into transfer_timer_batches (due_at, transfer_ids, expirations) values (?, ?, "
                        + SqlTimestamps.fromMicros("?") + ")")) {
            ps.setTimestamp(1, Timestamp.from(due));
            ps.setArray(2, c.createArrayOf("text", ids.toArray(String[]::new)));
            ps.setArray(3, c.createArrayOf("bigint", SqlTimestamps.micros(expirations.toArray(Instant[]::new))));
            ps.executeUpdate();
        }
    }
}
