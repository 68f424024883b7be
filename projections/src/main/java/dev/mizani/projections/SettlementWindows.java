package dev.mizani.projections;

import dev.mizani.schemas.readside.SettlementWindowQueries;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settlement windows. Committed transfers fall into the open window; closing window N opens N + 1. An operator
 * asks for a close ({@link #requestClose}): a command, kept in {@code settlement_window_close_requests} until the
 * projection handler decides it between two polls, so the window ends after the last commit it has applied on every
 * partition. The decision is an event of the {@code settlement-windows} stream in the event store, boundary
 * included, so a rebuild from the event store alone puts every commit back into the same window.
 */
public final class SettlementWindows implements SettlementWindowQueries {
    private static final Logger log = LoggerFactory.getLogger(SettlementWindows.class);

    public record NetPosition(String participant, String currency, long netMinor, long transferCount) {}

    private final DataSource dataSource;

    public SettlementWindows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public List<Window> windows(Optional<String> state) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select window_id, state, opened_at, closed_at, reason from "
                     + "read.settlement_windows where (?::text is null or state = ?) order by window_id")) {
            ps.setString(1, state.orElse(null));
            ps.setString(2, state.orElse(null));
            return windows(ps);
        }
    }

    @Override
    public Optional<Window> window(long windowId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select window_id, state, opened_at, closed_at, reason from "
                     + "read.settlement_windows where window_id = ?")) {
            ps.setLong(1, windowId);
            return windows(ps).stream().findFirst();
        }
    }

    /** Each participant's net position per currency in the window; over all participants each currency sums to zero. */
    public List<NetPosition> netPositions(long windowId, Optional<String> participant) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select participant, currency, net_minor, transfer_count from "
                     + "read.window_positions where window_id = ? and (?::text is null or participant = ?) "
                     + "order by participant, currency")) {
            ps.setLong(1, windowId);
            ps.setString(2, participant.orElse(null));
            ps.setString(3, participant.orElse(null));
            List<NetPosition> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new NetPosition(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
                }
            }
            return out;
        }
    }

    /**
     * Asks the projection handler to close {@code windowId} and waits up to {@code wait} for it. Asking again
     * for the same window is harmless.
     */
    @Override
    public CloseOutcome requestClose(long windowId, String reason, Duration wait) throws SQLException, InterruptedException {
        Optional<Window> w = window(windowId);
        if (w.isEmpty()) {
            return new NotOpen("settlement window " + windowId + " does not exist");
        }
        if (!w.get().state().equals("OPEN")) {
            return new NotOpen("settlement window " + windowId + " is " + w.get().state());
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into settlement_window_close_requests (window_id, reason) "
                     + "values (?, ?) on conflict (window_id) do nothing")) {
            ps.setLong(1, windowId);
            ps.setString(2, reason);
            ps.executeUpdate();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            Optional<Window> now = window(windowId);
            if (now.isPresent() && now.get().state().equals("CLOSED")) {
                return new Closed(now.get());
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return new Requested();
    }

    /**
     * On the projection handler's thread, between polls: closes the open window if it was asked to, in the
     * caller's transaction, and records the close in the event store ({@link SettlementFeed#record}). A request for
     * any other window is stale and dropped. True if it closed one.
     */
    static boolean closeRequested(Connection c, int partitions, Instant now, SettlementFeed feed) throws SQLException {
        long open;
        try (PreparedStatement ps = c.prepareStatement("select window_id from read.settlement_windows where state = 'OPEN'");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return false;
            }
            open = rs.getLong(1);
        }
        String reason = null;
        try (PreparedStatement ps = c.prepareStatement("delete from settlement_window_close_requests returning window_id, reason");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (rs.getLong(1) == open) {
                    reason = rs.getString(2);
                }
            }
        }
        if (reason == null) {
            return false;
        }
        UUID[] boundaries = new UUID[partitions];
        try (PreparedStatement ps = c.prepareStatement("select partition, last_commit_id from read.partition_windows");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (rs.getInt(1) < partitions) {
                    boundaries[rs.getInt(1)] = (UUID) rs.getObject(2);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into settlement_window_closes (window_id, reason, closed_at, "
                + "boundary_commit_ids) values (?, ?, ?, ?)")) {
            ps.setLong(1, open);
            ps.setString(2, reason);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setArray(4, c.createArrayOf("uuid", boundaries));
            ps.executeUpdate();
        }
        applyClose(c, ReadStore.LIVE, open, reason, now);
        try (PreparedStatement ps = c.prepareStatement("update read.partition_windows set window_id = ?")) {
            ps.setLong(1, open + 1);
            ps.executeUpdate();
        }
        feed.record(c, open, boundaries);
        log.info("settlement window {} closed ({}); window {} open", open, reason, open + 1);
        return true;
    }

    /** Dates window 1 in a table set from {@code settlement_start}, which both the live set and a rebuild read. */
    static void dateFirstWindow(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update " + ReadStore.checked(schema) + ".settlement_windows "
                + "set opened_at = (select opened_at from settlement_start) where window_id = 1 and opened_at is null")) {
            ps.executeUpdate();
        }
    }

    /** Marks window N closed and opens N + 1 in one table set. */
    static void applyClose(Connection c, String schema, long windowId, String reason, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update " + schema + ".settlement_windows set state = 'CLOSED', "
                + "closed_at = ?, reason = ? where window_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setString(2, reason);
            ps.setLong(3, windowId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into " + schema + ".settlement_windows (window_id, state, "
                + "opened_at) values (?, 'OPEN', ?)")) {
            ps.setLong(1, windowId + 1);
            ps.setTimestamp(2, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    private static List<Window> windows(PreparedStatement ps) throws SQLException {
        List<Window> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Timestamp opened = rs.getTimestamp(3);
                Timestamp closed = rs.getTimestamp(4);
                out.add(new Window(rs.getLong(1), rs.getString(2), opened == null ? null : opened.toInstant(),
                        closed == null ? null : closed.toInstant(), rs.getString(5)));
            }
        }
        return out;
    }

    static UUID[] uuids(Array array) throws SQLException {
        Object[] raw = (Object[]) array.getArray();
        UUID[] out = new UUID[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = (UUID) raw[i];
        }
        return out;
    }
}
