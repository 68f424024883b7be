package dev.mizani.projections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The right to write the live read store, for one projection instance at a time: the others stand by and take over
 * when the holder stops renewing it (stopped, crashed, cut off from the database) for {@code term}. A lease with an
 * epoch, not a lock: each transaction that writes the store first renews the lease at the epoch it was taken with
 * ({@link #renew}), which holds the lease's row until that transaction ends and fails once another instance took it,
 * so a holder that wakes from a long pause rolls back instead of writing after its successor (fencing). Row locks and
 * the database's clock decide; the instances' clocks play no part. A holder that stops gives the lease up; one that
 * crashed is replaced after the term, or at once by its own restart (the same holder name takes its lease back).
 */
final class ProjectionLease {
    private static final String NAME = "live";

    private final String holder;
    private final Duration term;
    private volatile long epoch = -1;
    private long renewedNs;
    private volatile String otherHolder = "";

    /** The lease was taken by another instance: whatever the transaction wrote must roll back. */
    static final class Lost extends SQLException {
        Lost(long epoch) {
            super("the read store's lease (epoch " + epoch + ") was taken by another projection instance", "55000");
        }
    }

    ProjectionLease(String holder, Duration term) {
        this.holder = holder;
        this.term = term;
    }

    boolean held() {
        return epoch >= 0;
    }

    long epoch() {
        return epoch;
    }

    /** Takes the lease when nobody holds it or its holder has not renewed it for the term. */
    boolean tryAcquire(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("insert into projection_lease (name, epoch, holder, "
                        + "renewed_at) values (?, 0, '', '-infinity') on conflict (name) do nothing")) {
                    ps.setString(1, NAME);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("select holder, renewed_at > now() - ? * interval "
                        + "'1 millisecond' from projection_lease where name = ? for update")) {
                    ps.setLong(1, term.toMillis());
                    ps.setString(2, NAME);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getBoolean(2) && !rs.getString(1).equals(holder)) {
                            otherHolder = rs.getString(1);
                            c.rollback();
                            return false;
                        }
                    }
                }
                long taken;
                try (PreparedStatement ps = c.prepareStatement("update projection_lease set epoch = epoch + 1, holder = ?, "
                        + "renewed_at = now() where name = ? returning epoch")) {
                    ps.setString(1, holder);
                    ps.setString(2, NAME);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        taken = rs.getLong(1);
                    }
                }
                c.commit();
                epoch = taken;
                renewedNs = System.nanoTime();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Renews the lease within {@code c}'s transaction, its first statement: the row stays locked until the transaction
     * ends. Throws, and the lease is no longer held, when another instance took it.
     */
    void renew(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update projection_lease set renewed_at = now() where name = ? "
                + "and epoch = ? and holder = ?")) {
            ps.setString(1, NAME);
            ps.setLong(2, epoch);
            ps.setString(3, holder);
            if (ps.executeUpdate() != 1) {
                long lost = epoch;
                epoch = -1;
                throw new Lost(lost);
            }
        }
        renewedNs = System.nanoTime();
    }

    /** Renews the lease on its own when no write did for a third of its term (an idle store). */
    void renewIfDue(DataSource dataSource) throws SQLException {
        if (System.nanoTime() - renewedNs < term.toNanos() / 3) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            renew(c);
        }
    }

    /** Gives the lease up (a stop): an instance standing by takes it at its next attempt instead of after the term. */
    void release(DataSource dataSource) {
        if (!held()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update projection_lease set renewed_at = '-infinity' "
                     + "where name = ? and epoch = ? and holder = ?")) {
            ps.setString(1, NAME);
            ps.setLong(2, epoch);
            ps.setString(3, holder);
            ps.executeUpdate();
        } catch (SQLException e) {
            // the database is away: the lease runs out by itself
        }
        epoch = -1;
    }

    /** The instance that held the lease at the last refused attempt to take it ("" before any). */
    String otherHolder() {
        return otherHolder;
    }
}
