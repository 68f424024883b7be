package dev.mizani.embedded;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's Kafka, PostgreSQL and schema registry: embedded where no external address is configured.
 * The broker starts while the database and then the registry (which stores in the database) come up,
 * so a cold start costs roughly the slowest of the two chains. Closing stops them in reverse order.
 */
public final class Infrastructure implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Infrastructure.class);
    public static final String HUB_DATABASE = "mizani";
    public static final String REGISTRY_DATABASE = "registry";

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    // Stopped first: it keeps retrying a database that has gone, which would only slow the stop down.
    private EmbeddedSchemaRegistry registryProcess;
    private EmbeddedPostgresServer postgresServer;
    private final String kafkaBootstrap;
    private final String jdbcUrl;
    private final String dbUser;
    private final String dbPassword;
    private final String registryUrl;

    private Infrastructure(InfrastructureSettings s) {
        long startNs = System.nanoTime();
        CompletableFuture<EmbeddedKafkaBroker> broker = s.kafkaBootstrap() != null ? null
                : CompletableFuture.supplyAsync(() -> EmbeddedKafkaBroker.start(
                        s.dataDir().resolve("kafka"), s.kafkaPort(), s.kafkaPartitions()));
        try {
            EmbeddedPostgresServer postgres = null;
            if (s.dbUrl() == null) {
                postgres = EmbeddedPostgresServer.start(s.dataDir().resolve("postgres"), s.dbPort(), s.dbSettings());
                started.push(postgres);
                postgresServer = postgres;
                postgres.createDatabaseIfAbsent(HUB_DATABASE);
                postgres.createDatabaseIfAbsent(REGISTRY_DATABASE);
            }
            this.jdbcUrl = postgres != null ? postgres.jdbcUrl(HUB_DATABASE) : s.dbUrl();
            this.dbUser = s.dbUser();
            this.dbPassword = s.dbPassword();
            if (s.registryUrl() == null) {
                String registryJdbc = postgres != null ? postgres.jdbcUrl(REGISTRY_DATABASE) : s.dbUrl();
                EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(s.dataDir().resolve("registry"),
                        s.registryPort(), registryJdbc, dbUser, dbPassword, s.registryHeapMb());
                this.registryUrl = registry.url();
                registryProcess = registry;
            } else {
                this.registryUrl = s.registryUrl();
            }
            if (postgres != null || registryProcess != null) {
                // stopped last, after what it would stop
                started.addLast(Reaper.watch(postgres != null ? s.dataDir().resolve("postgres") : null,
                        registryProcess != null ? registryProcess.pidFile() : null));
            }
            if (broker != null) {
                EmbeddedKafkaBroker kafka = broker.join();
                started.push(kafka);
                this.kafkaBootstrap = kafka.bootstrapServers();
            } else {
                this.kafkaBootstrap = s.kafkaBootstrap();
            }
        } catch (RuntimeException e) {
            if (broker != null) {
                broker.thenAccept(EmbeddedKafkaBroker::close);
            }
            close();
            throw e;
        }
        log.info("infrastructure ready in {} ms: kafka={} db={} registry={}",
                (System.nanoTime() - startNs) / 1_000_000, kafkaBootstrap, jdbcUrl, registryUrl);
    }

    public static Infrastructure start(InfrastructureSettings settings) {
        return new Infrastructure(settings);
    }

    public String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String dbUser() {
        return dbUser;
    }

    public String dbPassword() {
        return dbPassword;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** The embedded PostgreSQL and its watchdog, or null when the database is external. */
    public EmbeddedPostgresServer embeddedPostgres() {
        return postgresServer;
    }

    /** The embedded registry's child process and its watchdog, or null when the registry is external. */
    public EmbeddedSchemaRegistry embeddedRegistry() {
        return registryProcess;
    }

    @Override
    public synchronized void close() {
        if (registryProcess != null) {
            registryProcess.close();
            registryProcess = null;
        }
        while (!started.isEmpty()) {
            AutoCloseable piece = started.pop();
            try {
                piece.close();
            } catch (Exception e) {
                log.warn("{} did not stop cleanly: {}", piece.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
