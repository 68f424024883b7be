package dev.mizani.projections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Where settlement windows closed, per transfers.events partition, as recorded when the operator closed
 * them: how a replay of the event store puts every commit into the window it fell into live. A window
 * closed on partition p right after the commit named in its boundary (or before any commit of p, when
 * none is named).
 */
public final class WindowBoundaries {
    /** One recorded close. {@code boundaries[p]} is partition p's last commit in the window, or null. */
    public record Close(long windowId, String reason, Instant closedAt, UUID[] boundaries) {}

    private final List<Close> closes;
    private final Map<Integer, Map<UUID, Long>> closedAfter = new HashMap<>();
    private final Map<Integer, Long> initial = new HashMap<>();

    public WindowBoundaries(List<Close> closes) {
        this.closes = List.copyOf(closes);
        for (Close close : closes) {
            UUID[] b = close.boundaries();
            for (int p = 0; p < b.length; p++) {
                if (b[p] == null) {
                    initial.merge(p, close.windowId() + 1, Math::max);
                } else {
                    closedAfter.computeIfAbsent(p, k -> new HashMap<>()).merge(b[p], close.windowId(), Math::max);
                }
            }
        }
    }

    public static WindowBoundaries load(Connection c) throws SQLException {
        List<Close> closes = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "select window_id, reason, closed_at, boundary_commit_ids from settlement_window_closes order by window_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                closes.add(new Close(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                        SettlementWindows.uuids(rs.getArray(4))));
            }
        }
        return new WindowBoundaries(closes);
    }

    public List<Close> closes() {
        return closes;
    }

    /** The window partition p's commits start in: the one after the last close that came before any of them. */
    public long initialWindow(int partition) {
        return initial.getOrDefault(partition, 1L);
    }

    /** The last window that closed right after this commit on this partition, or 0 when none did. */
    public long closedAfter(int partition, UUID commitEventId) {
        Map<UUID, Long> m = closedAfter.get(partition);
        return m == null ? 0 : m.getOrDefault(commitEventId, 0L);
    }

    /** The window open now: one past the last close. */
    public long openWindow() {
        return closes.isEmpty() ? 1 : closes.getLast().windowId() + 1;
    }
}
