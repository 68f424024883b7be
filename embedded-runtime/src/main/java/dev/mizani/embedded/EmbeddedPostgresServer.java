package dev.mizani.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server from the binaries zonky ships through Maven Central, keeping its data in
 * a directory that survives restarts. Unlike zonky's test defaults, fsync and synchronous commit stay
 * on: a committed transfer must survive a crash of the machine, not only of the hub.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    public static final String USER = "postgres";

    private final Path dataDir;
    private final Map<String, String> settings;
    private final int port;
    private volatile EmbeddedPostgres postgres;
    private volatile long postmasterPid;
    private volatile boolean closing;
    private final Thread watchdog;
    private final AtomicLong restarts = new AtomicLong();

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDir, Map<String, String> settings) {
        this.postgres = postgres;
        this.dataDir = dataDir;
        this.settings = settings;
        this.port = postgres.getPort();
        this.postmasterPid = postmasterPid(dataDir);
        this.watchdog = Thread.ofPlatform().daemon().name("postgres-watchdog").unstarted(this::watch);
    }

    /**
     * @param port 0 picks a free loopback port
     * @param settings server settings on top of (and overriding) the ones below, e.g. for diagnosis
     */
    public static EmbeddedPostgresServer start(Path dataDir, int port, Map<String, String> settings) {
        try {
            Files.createDirectories(dataDir);
            boolean initialised = Files.exists(dataDir.resolve("PG_VERSION"));
            stopLeftover(dataDir);
            EmbeddedPostgres postgres = builder(dataDir, port, settings).start();
            ZonkyShutdownHook.remove();
            log.info("PostgreSQL listening on 127.0.0.1:{} with data in {} ({})", postgres.getPort(), dataDir,
                    initialised ? "existing data" : "new cluster");
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, dataDir, settings);
            server.watchdog.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dataDir, e);
        }
    }

    private static EmbeddedPostgres.Builder builder(Path dataDir, int port, Map<String, String> settings) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("max_connections", "200")
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("max_wal_size", "2GB")
                // A new database's first statistics come from autovacuum's first ANALYZE. At the default one-minute
                // naptime, the hub's prepared statements spent their first minute on generic plans made while the
                // tables were empty: sequential scans of a growing event store (212 million rows read in 95 s of a
                // cold core run), the backlog every cold load run built in its warm-up.
                .setServerConfig("autovacuum_naptime", "5s")
                // its own log, in <data>/postgres/log: checkpoints, long autovacuums and statements, lock waits
                .setServerConfig("logging_collector", "on")
                .setServerConfig("log_checkpoints", "on")
                .setServerConfig("log_autovacuum_min_duration", "1s")
                .setServerConfig("log_min_duration_statement", "1s")
                .setServerConfig("log_lock_waits", "on")
                .setOverrideWorkingDirectory(dataDir.getParent().resolve("pg-binaries").toFile());
        settings.forEach(builder::setServerConfig);
        if (port > 0) {
            builder.setPort(port);
        }
        return builder;
    }

    /**
     * Once a second: is the postmaster alive? If it died (killed, out of memory), start it again on the same port
     * and data directory, retrying until it is up: crash recovery replays the WAL, so nothing committed is lost,
     * and the hub's connections come back through the pool. A single backend killed needs nothing from here: the
     * postmaster itself resets its backends.
     */
    private void watch() {
        while (!closing) {
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
            long pid = postmasterPid;
            if (closing || alive(pid)) {
                continue;
            }
            log.warn("PostgreSQL (postmaster {}) is gone; starting it again on port {}", pid, port);
            long startedNs = System.nanoTime();
            // releases zonky's lock on the data directory; zonky then logs that it "could not stop" the server: it is gone
            closeQuietly(postgres);
            while (!closing) {
                try {
                    EmbeddedPostgres started = builder(dataDir, port, settings).start();
                    ZonkyShutdownHook.remove();
                    if (closing) { // the hub began to stop while this one started: it stops with it
                        closeQuietly(started);
                        return;
                    }
                    postgres = started;
                    postmasterPid = postmasterPid(dataDir);
                    restarts.incrementAndGet();
                    log.info("PostgreSQL is back on port {} after {} ms (restart {})", port,
                            (System.nanoTime() - startedNs) / 1_000_000, restarts.get());
                    break;
                } catch (IOException | RuntimeException e) {
                    // its old backends may still hold the shared memory for a moment
                    log.warn("PostgreSQL did not start again yet: {}", e.toString());
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }
    }

    private static void closeQuietly(EmbeddedPostgres dead) {
        try {
            dead.close();
        } catch (IOException | RuntimeException e) {
            log.debug("the dead server's handle did not close cleanly: {}", e.toString());
        }
    }

    /**
     * A postmaster killed with SIGKILL stays a zombie until the machine's init reaps it, which took seconds on some
     * machines; a zombie is dead for this purpose (Linux says so in /proc; elsewhere init reaps at once).
     */
    private static boolean alive(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** Times the watchdog started the server again since the hub started it. */
    public long restarts() {
        return restarts.get();
    }

    /** The postmaster's process id, from the first line of its lock file; 0 when there is none. */
    public static long postmasterPid(Path dataDir) {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim());
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * A postmaster still running on this data directory belongs to a hub that was killed (kill -9 skips
     * shutdown hooks). It would hold the port and the directory lock, so stop it the way pg_ctl's fast
     * mode does (SIGINT: roll back open transactions, checkpoint, exit).
     */
    private static void stopLeftover(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
        } catch (RuntimeException e) {
            return;
        }
        var leftover = ProcessHandle.of(pid)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (leftover.isEmpty()) {
            return;
        }
        log.warn("stopping PostgreSQL {} left running on {} by an earlier run", pid, dataDir);
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor();
            leftover.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("PostgreSQL " + pid + " on " + dataDir + " did not stop", e);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** Creates the database unless it exists; names are the hub's own constants, never user input. */
    public void createDatabaseIfAbsent(String database) {
        if (!database.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name " + database);
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, "");
             PreparedStatement exists = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, database);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("create database " + database);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closing = true;
        watchdog.interrupt();
        try {
            watchdog.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }
}
