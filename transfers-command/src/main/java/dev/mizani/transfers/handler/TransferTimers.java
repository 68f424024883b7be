package dev.mizani.transfers.handler;

import dev.mizani.platform.commandloop.TransactionalIndex;
import dev.mizani.transfers.domain.TransferEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/** Keeps {@code transfer_timers} in step with the batch's events, in the batch's transaction. */
public final class TransferTimers implements TransactionalIndex<TransferEvent> {

    @Override
    public void apply(Connection c, List<TransferEvent> events) throws SQLException {
        List<TransferEvent.TransferPrepareAccepted> started = new ArrayList<>();
        List<String> ended = new ArrayList<>();
        for (TransferEvent e : events) {
            switch (e) {
                case TransferEvent.TransferPrepareAccepted a -> started.add(a);
                case TransferEvent.TransferCommitted t -> ended.add(t.transferId());
                case TransferEvent.TransferAborted a -> ended.add(a.transferId());
                case TransferEvent.TransferExpired x -> ended.add(x.transferId());
                case TransferEvent.TransferPrepareRejected r -> { }
                case TransferEvent.TransferReserved r -> { }
                case TransferEvent.LateReservationReleased l -> { }
                case TransferEvent.TransferDuplicateReported d -> { }
                case TransferEvent.TransferRequestRefused r -> { }
            }
        }
        if (!started.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into transfer_timers (transfer_id, expires_at)
                    select * from unnest(?::text[], ?::timestamptz[]) on conflict do nothing""")) {
                ps.setArray(1, c.createArrayOf("text", started.stream().map(TransferEvent.TransferPrepareAccepted::transferId).toArray()));
                ps.setArray(2, c.createArrayOf("timestamptz", started.stream().map(a -> Timestamp.from(a.expiration())).toArray()));
                ps.executeUpdate();
            }
        }
        if (!ended.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("delete from transfer_timers where transfer_id = any(?)")) {
                ps.setArray(1, c.createArrayOf("text", ended.toArray()));
                ps.executeUpdate();
            }
        }
    }
}
