package dev.mizani.projections;

import dev.mizani.platform.testing.SharedInfrastructure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Table sets of the read store that a test fills by itself, in schemas of its own on the shared database. */
final class TestTableSets {
    private TestTableSets() {}

    /** A model over {@code schema}, dropped and migrated afresh. */
    static ReadModel fresh(SharedInfrastructure infra, String schema) throws SQLException {
        try (Connection c = infra.dataSource.getConnection()) {
            ReadStore.drop(c, schema);
        }
        ReadStore.migrate(infra.dataSource, schema);
        return new ReadModel(schema);
    }

    /** {@code select count(*) from <from>}, where {@code from} may carry a where clause. */
    static long count(Connection c, String from) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select count(*) from " + from); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
