package dev.mizani.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Where the read tables live: one PostgreSQL schema per table set, Flyway-owned. The live set is
 * {@link #LIVE}; a rebuild fills {@link #NEXT} and renames it into place. Statements name the schema
 * explicitly, so one connection pool serves every set.
 */
public final class ReadStore {
    public static final String LIVE = "read";
    public static final String NEXT = "read_next";
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,40}");

    private ReadStore() {}

    /** The table set's migrations, applied into {@code schema} (created if missing), with its own history table. */
    public static void migrate(DataSource dataSource, String schema) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/read")
                .schemas(checked(schema))
                .defaultSchema(schema)
                .createSchemas(true)
                .table("flyway_history_read")
                .load()
                .migrate();
    }

    /** The settlement close records, beside the event store: the read side's only input that is not an event. */
    public static void migrateSettlement(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/settlement")
                .table("flyway_history_settlement")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    public static void drop(Connection c, String schema) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + checked(schema) + " cascade");
        }
    }

    static String checked(String schema) {
        if (!SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("not a schema name: " + schema);
        }
        return schema;
    }
}
