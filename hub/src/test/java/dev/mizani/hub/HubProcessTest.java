package dev.mizani.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a user runs it, in its own JVM: ready within the start-up bound, stopped by SIGINT
 * (Ctrl-C) with every child process gone, and a restart on the same data directory keeps the data.
 */
class HubProcessTest {
    private static final Duration READY_BOUND = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    @Test
    void startsStopsOnCtrlCAndKeepsItsDataAcrossARestart() throws Exception {
        int dbPort = freePort();
        int registryPort = freePort();
        String jdbc = "jdbc:postgresql://127.0.0.1:" + dbPort + "/mizani";
        String registryUrl = "http://127.0.0.1:" + registryPort + "/apis/ccompat/v7";

        Hub first = Hub.start(dataDir, dbPort, registryPort);
        int schemaId = new SchemaRegistryClient(registryUrl, Duration.ofSeconds(5))
                .lookup(HubTopics.valueSubject(HubTopics.TRANSFERS_EVENTS),
                        dev.mizani.schemas.transfer.TransferEventEnvelope.getClassSchema().toString()).id();
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("insert into dead_letters (processor, topic, partition, \"offset\", reason) "
                    + "values ('restart-check', 't', 0, 0, 'kept across restart')");
        }
        assertThat(new SchemaRegistryClient(registryUrl, Duration.ofSeconds(5))
                .subjectCompatibility(HubTopics.valueSubject(HubTopics.TRANSFERS_EVENTS))).isEqualTo("BACKWARD");
        first.interruptAndAwaitExit();
        Path operatorToken = dataDir.resolve("operator-token");
        assertThat(java.nio.file.Files.getPosixFilePermissions(operatorToken)).as("generated operator credential, owner-only")
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String credential = java.nio.file.Files.readString(operatorToken);

        Hub second = Hub.start(dataDir, dbPort, registryPort);
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select reason from dead_letters where processor = 'restart-check'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("kept across restart");
        }
        assertThat(new SchemaRegistryClient(registryUrl, Duration.ofSeconds(5))
                .lookup(HubTopics.valueSubject(HubTopics.TRANSFERS_EVENTS),
                        dev.mizani.schemas.transfer.TransferEventEnvelope.getClassSchema().toString()).id())
                .isEqualTo(schemaId);
        assertThat(java.nio.file.Files.readString(operatorToken)).as("the same credential after a restart").isEqualTo(credential);
        second.interruptAndAwaitExit();
    }

    private record Hub(Process process, List<String> output) {
        static Hub start(Path dataDir, int dbPort, int registryPort) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName())
                    .redirectErrorStream(true);
            pb.environment().put("MIZANI_DATA_DIR", dataDir.toString());
            pb.environment().put("MIZANI_KAFKA_PORT", "0");
            pb.environment().put("MIZANI_DB_PORT", Integer.toString(dbPort));
            pb.environment().put("MIZANI_REGISTRY_PORT", Integer.toString(registryPort));
            pb.environment().put("MIZANI_GATEWAY_PORT", "0");
            pb.environment().put("MIZANI_ADMIN_PORT", "0");
            pb.environment().put("MIZANI_QUERY_PORT", "0");
            pb.environment().remove("MIZANI_OPERATOR_TOKEN");
            Process process = pb.start();
            List<String> output = new ArrayList<>();
            CompletableFuture<Boolean> ready = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (output) {
                            output.add(line);
                        }
                        if (line.contains(Main.READY_LINE)) {
                            ready.complete(true);
                        }
                    }
                } catch (IOException e) {
                    ready.completeExceptionally(e);
                }
                ready.complete(false);
            });
            boolean up = ready.completeOnTimeout(false, READY_BOUND.toSeconds(), TimeUnit.SECONDS).get();
            if (!up) {
                String printed;
                synchronized (output) { // the reader thread may still be adding lines
                    printed = String.join("\n", output);
                }
                throw new AssertionError("hub not ready within " + READY_BOUND + "; output:\n" + printed);
            }
            return new Hub(process, output);
        }

        void interruptAndAwaitExit() throws Exception {
            List<ProcessHandle> children = process.descendants().toList();
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("hub exits after Ctrl-C").isTrue();
            synchronized (output) {
                assertThat(output).anyMatch(l -> l.contains("stopped"));
                assertThat(output).noneMatch(l -> l.contains("Exception"));
            }
            for (ProcessHandle child : children) {
                child.onExit().get(30, TimeUnit.SECONDS);
                assertThat(child.isAlive()).as("child %s gone", child.info().command()).isFalse();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
