package dev.mizani.loadtest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * What one PostgreSQL connection's statements cost the server: its backend's CPU (from /proc, so Linux only) and the
 * WAL written meanwhile. For benchmarks that run alone on a fresh embedded server, where all WAL is theirs.
 */
final class ServerCost {
    /** Linux's USER_HZ, the unit of /proc/[pid]/stat's CPU times. */
    private static final double CLOCK_TICKS = 100;

    private final Connection c;
    private final int backendPid;
    private long cpuTicks;
    private long walBytes;

    /** Starts counting; {@code c} must be in a transaction of its own or in autocommit. */
    ServerCost(Connection c) throws SQLException, IOException {
        this.c = c;
        this.backendPid = (int) longOf(c, "select pg_backend_pid()");
        this.cpuTicks = cpuTicks();
        this.walBytes = walBytes();
    }

    /** Server CPU in microseconds and WAL in bytes since the start, each per {@code units}. */
    double[] per(double units) throws SQLException, IOException {
        return new double[] {(cpuTicks() - cpuTicks) * 1e6 / CLOCK_TICKS / units, (walBytes() - walBytes) / units};
    }

    private long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + backendPid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
    }

    private long walBytes() throws SQLException {
        long bytes = longOf(c, "select pg_current_wal_lsn() - '0/0'::pg_lsn");
        if (!c.getAutoCommit()) {
            c.commit();
        }
        return bytes;
    }

    static long longOf(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static double median(List<double[]> runs, int column) {
        double[] v = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
