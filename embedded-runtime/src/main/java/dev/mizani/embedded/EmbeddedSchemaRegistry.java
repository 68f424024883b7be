package dev.mizani.embedded;

import dev.mizani.schemas.registry.RegistryException;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apicurio Registry (Confluent-compatible API under {@code /apis/ccompat/v7}) as a child process of
 * the hub, bound to loopback, storing its schemas in the hub's PostgreSQL so they survive restarts.
 * A child process keeps Quarkus, Vert.x and their Netty off the hub's classpath. Global compatibility
 * is set to BACKWARD at every start, since Apicurio's default is NONE.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";

    private final ProcessBuilder command;
    private final int port;
    private final Path pidFile;
    private final Thread watchdog;
    private final AtomicLong restarts = new AtomicLong();
    private volatile Process process;
    private volatile boolean closing;

    private EmbeddedSchemaRegistry(ProcessBuilder command, int port, Path pidFile) {
        this.command = command;
        this.port = port;
        this.pidFile = pidFile;
        this.watchdog = Thread.ofPlatform().daemon().name("registry-watchdog").unstarted(this::watch);
    }

    /**
     * @param workDir holds the pid file and the registry's log
     * @param port 0 picks a free loopback port
     * @param jdbcUrl database the registry keeps its schemas in
     * @param heapMb child JVM heap bound
     */
    public static EmbeddedSchemaRegistry start(Path workDir, int port, String jdbcUrl, String dbUser, String dbPassword,
                                               int heapMb) {
        Path app = RegistryDistribution.unpacked();
        int httpPort = port > 0 ? port : FreePorts.next();
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path pidFile = workDir.resolve("registry.pid");
        killLeftover(pidFile);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMb + "m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + httpPort,
                // Quarkus fixes the management interface at build time (enabled=false is ignored at run time)
                // and binds it to 0.0.0.0:9000; keep it on loopback and on a port of its own. Should the two
                // ports be equal, Vert.x shares one listener between the API and the management router, and
                // one request in a few gets the management router's 404.
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + FreePorts.next(httpPort),
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.banner.enabled=false",
                "-Dapicurio.storage.kind=sql",
                "-Dapicurio.storage.sql.kind=postgresql",
                "-Dapicurio.datasource.url=" + jdbcUrl,
                "-Dapicurio.datasource.username=" + dbUser,
                "-Dapicurio.datasource.password=" + dbPassword,
                "-Dapicurio.datasource.jdbc.initial-size=1",
                "-Dapicurio.datasource.jdbc.min-size=1",
                "-Dapicurio.datasource.jdbc.max-size=8",
                "-Dapicurio.storage.snapshot.location=" + workDir.toAbsolutePath(),
                "-jar", app.resolve("quarkus-run.jar").toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("registry.log").toFile()));
        EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(builder, httpPort, pidFile);
        registry.launch();
        registry.watchdog.start();
        log.info("Schema registry (Apicurio, Confluent API) at {} storing in {}", registry.url(), jdbcUrl);
        return registry;
    }

    /** Starts the child, waits until it answers and sets the global compatibility (Apicurio's default is NONE). */
    private void launch() {
        try {
            process = command.start();
            Files.writeString(pidFile, Long.toString(process.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the schema registry", e);
        }
        awaitReady();
        new SchemaRegistryClient(url(), Duration.ofSeconds(10)).setGlobalCompatibility("BACKWARD");
    }

    /**
     * The registry serves integrators decoding the hub's topics, and any process reading a schema it has not seen: a
     * child that died (killed, out of memory) is started again on the same port, its schemas being in PostgreSQL.
     */
    private void watch() {
        while (!closing) {
            Process watched = process;
            try {
                watched.onExit().get();
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException e) {
                continue;
            }
            if (closing) {
                return;
            }
            long startedNs = System.nanoTime();
            log.warn("the schema registry exited with {}; starting it again on port {}", watched.exitValue(), port);
            try {
                launch();
                log.info("the schema registry is back on port {} after {} ms (restart {})", port,
                        (System.nanoTime() - startedNs) / 1_000_000, restarts.incrementAndGet());
            } catch (RuntimeException e) {
                if (closing) {
                    return;
                }
                log.error("the schema registry did not start again: {}; trying again in 5 s", e.getMessage());
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Times the watchdog started the registry again since the hub started it. */
    public long restarts() {
        return restarts.get();
    }

    /** The child's process id now. */
    public long pid() {
        return process.pid();
    }

    /** The file holding the child's process id while it runs. */
    Path pidFile() {
        return pidFile;
    }

    /** Base URL of the Confluent-compatible API. */
    public String url() {
        return "http://127.0.0.1:" + port + CCOMPAT_PATH;
    }

    private void awaitReady() {
        SchemaRegistryClient client = new SchemaRegistryClient(url(), Duration.ofSeconds(2));
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("schema registry exited with " + process.exitValue()
                        + "; see registry.log");
            }
            try {
                client.subjects();
                return;
            } catch (RegistryException e) {
                sleep(250);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("schema registry not ready within " + STARTUP_TIMEOUT + "; see registry.log");
    }

    /** A registry left running by a hub that was killed (kill -9 leaves children behind). */
    private static void killLeftover(Path pidFile) {
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid)
                    .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                    .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains("quarkus-run.jar")).orElse(false))
                    .ifPresent(p -> {
                        log.warn("stopping schema registry {} left behind by an earlier run", pid);
                        p.destroyForcibly();
                        p.onExit().join();
                    });
        } catch (IOException | NumberFormatException e) {
            log.debug("ignoring unreadable registry pid file: {}", e.toString());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the schema registry", e);
        }
    }

    @Override
    public void close() {
        closing = true;
        watchdog.interrupt();
        Process process = this.process;
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(pidFile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("pid file: {}", e.toString());
        }
    }
}
