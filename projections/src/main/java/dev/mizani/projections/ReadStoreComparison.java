package dev.mizani.projections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Row-for-row comparison of two table sets: every row of each must be in the other, whole. */
public final class ReadStoreComparison {
    /** Every table of the read store, each compared on all its columns. */
    public static final List<String> TABLES = List.of("transfers", "participants", "positions", "position_changes",
            "funds_out_pending", "settlement_windows", "window_positions", "partition_windows", "projection_offsets");

    private ReadStoreComparison() {}

    /** Rows in one set and not the other, per table that has any; empty when the sets are equal. */
    public static Map<String, Long> differences(Connection c, String a, String b) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String table : TABLES) {
            String x = ReadStore.checked(a) + "." + table;
            String y = ReadStore.checked(b) + "." + table;
            try (PreparedStatement ps = c.prepareStatement("select (select count(*) from (select * from " + x
                    + " except all select * from " + y + ") d) + (select count(*) from (select * from " + y
                    + " except all select * from " + x + ") d)");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                long n = rs.getLong(1);
                if (n > 0) {
                    out.put(table, n);
                }
            }
        }
        return out;
    }
}
