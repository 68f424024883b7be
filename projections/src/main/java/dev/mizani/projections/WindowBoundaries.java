package dev.mizani.projections;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Where settlement windows closed, per transfers.events partition, as the {@code settlement-windows} stream of the
 * event store recorded them ({@link SettlementFeed#boundaries}): how a replay of the event store puts every commit
 * into the window it fell into live. A window closed on partition p right after the commit named in its boundary
 * (or before any commit of p, when none is named).
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
