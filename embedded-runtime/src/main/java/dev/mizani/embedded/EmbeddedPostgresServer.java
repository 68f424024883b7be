package dev.mizani.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
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
            EmbeddedPostgres postgres = startOrExplain(dataDir, port, settings);
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

    /**
     * Starts the server, or says why it did not start in PostgreSQL's own words. zonky waits out the whole startup
     * wait even when the postmaster has already exited (a port taken, a bad setting); pg_ctl, which waits for the
     * same start, says so at once ("could not start server"), so that line ends the wait early.
     */
    private static EmbeddedPostgres startOrExplain(Path dataDir, int port, Map<String, String> settings)
            throws IOException {
        Path output = serverOutput(dataDir);
        long from = Files.exists(output) ? Files.size(output) : 0;
        CompletableFuture<EmbeddedPostgres> started = new CompletableFuture<>();
        Thread starter = Thread.ofPlatform().daemon().name("postgres-start").start(() -> {
            try {
                started.complete(builder(dataDir, port, settings).start());
            } catch (IOException | RuntimeException e) {
                started.completeExceptionally(e);
            }
        });
        try {
            while (true) {
                try {
                    return started.get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillStarting) {
                    if (printedSince(output, from).contains("could not start server")) {
                        starter.interrupt(); // zonky's wait ends on an interrupt, with a handle to a server that is not there
                        try {
                            closeQuietly(started.get(10, TimeUnit.SECONDS));
                        } catch (ExecutionException | TimeoutException ignored) {
                            // the error below says what matters
                        }
                        throw new IllegalStateException(notStarted(dataDir, port));
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(notStarted(dataDir, port), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            starter.interrupt();
            throw new IllegalStateException("interrupted while PostgreSQL started", e);
        }
    }

    private static String notStarted(Path dataDir, int port) {
        return "PostgreSQL did not start on port " + port + " with data in " + dataDir + "; the last lines it wrote:\n"
                + lastLines(dataDir, 30);
    }

    private static String printedSince(Path file, long offset) {
        try (FileChannel channel = FileChannel.open(file)) {
            long size = channel.size();
            if (size <= offset) {
                return "";
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(size - offset, 1 << 20));
            channel.read(bytes, offset);
            return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
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
                .setOverrideWorkingDirectory(dataDir.getParent().resolve("pg-binaries").toFile())
                // what initdb, pg_ctl and the server print before its log collector runs (a port already taken, a
                // bad setting): kept beside the data, where lastLines finds it when the server does not come up
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(serverOutput(dataDir).toFile()));
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

    private static Path serverOutput(Path dataDir) {
        return dataDir.resolveSibling(dataDir.getFileName() + "-server.log");
    }

    /**
     * The last lines of what the server printed at startup and of its newest log file (in {@code <data>/log}), for
     * an error that says why it did not come up instead of only that nothing answered on its port.
     */
    static String lastLines(Path dataDir, int lines) {
        StringBuilder out = new StringBuilder();
        List<Path> files = new ArrayList<>();
        files.add(serverOutput(dataDir));
        try (Stream<Path> logs = Files.list(dataDir.resolve("log"))) {
            logs.max(Comparator.comparing(EmbeddedPostgresServer::modified)).ifPresent(files::add);
        } catch (IOException | RuntimeException e) {
            // no log directory yet: the server stopped before its log collector ran
        }
        for (Path file : files) {
            try {
                List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
                out.append("--- ").append(file).append('\n');
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> out.append(l).append('\n'));
            } catch (IOException | RuntimeException e) {
                out.append("--- ").append(file).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return out.toString();
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
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
            leftover.get().onExit().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
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
