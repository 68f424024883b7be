package dev.mizani.platform.eventstore;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

/** The hub's connection pool; Flyway applies the schema migrations before anything else connects. */
public final class Database {
    private Database() {}

    /** @param poolSizeMax connections held at most; a command processor needs one at a time */
    public static HikariDataSource connect(String jdbcUrl, String user, String password, int poolSizeMax) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSizeMax);
        config.setMinimumIdle(1);
        config.setPoolName("mizani");
        config.setConnectionTimeout(10_000);
        config.setMetricRegistry(dev.mizani.platform.metrics.Metrics.shared()); // hikaricp_connections_* series
        // Statements are prepared server-side after a few uses; the batch statements are reused constantly.
        config.addDataSourceProperty("prepareThreshold", "1");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(config);
    }

    /** The event store's own schema (events, snapshots, offsets, dead letters). */
    public static void migrate(javax.sql.DataSource dataSource) {
        migrate(dataSource, "classpath:db/migration", "flyway_schema_history");
    }

    /**
     * A context's own tables, with a history table of their own, so modules number their migrations
     * independently of each other.
     */
    public static void migrate(javax.sql.DataSource dataSource, String location, String historyTable) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations(location)
                .table(historyTable)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
