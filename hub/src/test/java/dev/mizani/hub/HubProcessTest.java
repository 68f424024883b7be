package dev.mizani.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.embedded.FreePorts;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        int[] ports = FreePorts.distinct(2);
        int dbPort = ports[0];
        int registryPort = ports[1];
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
        // every service of the process reports into the query API's /metrics
        java.util.regex.Pattern queryPort = java.util.regex.Pattern.compile("query API on port (\\d+)");
        dev.mizani.platform.testing.Await.until(Duration.ofSeconds(10), "the query API's port in the log",
                () -> queryPort.matcher(second.printed()).find());
        java.util.regex.Matcher port = queryPort.matcher(second.printed());
        assertThat(port.find()).isTrue();
        var metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port.group(1) + "/metrics"))
                .header("Authorization", "Bearer " + credential.trim()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("mizani_processor_up{processor=\"transfers\"}",
                "mizani_processor_up{processor=\"participants\"}", "mizani_processor_stage_seconds_count{processor=\"transfers\",stage=\"commit\"}",
                "mizani_projection_lag_events{topic=", "mizani_callbacks_in_flight ");
        // the banner tells a new user where everything is, and every API answers /health without a credential
        assertThat(second.printed()).contains("first transfer         java scripts/FirstTransfer.java",
                "operator credential    " + operatorToken);
        for (String api : List.of("FSPIOP transfers API   http://127.0.0.1:(\\d+)", "admin API              http://127.0.0.1:(\\d+)",
                "query API              http://127.0.0.1:(\\d+)")) {
            java.util.regex.Matcher banner = java.util.regex.Pattern.compile(api).matcher(second.printed());
            assertThat(banner.find()).as("banner line %s", api).isTrue();
            var health = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + banner.group(1) + "/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as("%s /health: %s", api, health.body()).isEqualTo(200);
            assertThat(health.body()).startsWith("{\"status\":\"UP\"").contains("\"transfers-handler\":{\"status\":\"UP\"",
                    "\"participants-handler\":{\"status\":\"UP\"", "\"projection\":{\"status\":\"UP\"");
        }
        second.interruptAndAwaitExit();
    }

    @Test
    void aHubThatCannotStartSaysWhyExitsAndLeavesNothingRunning() throws Exception {
        int[] ports = FreePorts.distinct(2);
        // the gateway comes up last, after the broker, PostgreSQL, the registry and every handler
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Hub hub = Hub.launch(dataDir, ports[0], ports[1],
                    Map.of("MIZANI_GATEWAY_PORT", Integer.toString(taken.getLocalPort())));
            Set<ProcessHandle> children = new HashSet<>();
            long deadline = System.nanoTime() + READY_BOUND.toNanos();
            while (hub.process.isAlive() && System.nanoTime() < deadline) {
                hub.process.descendants().forEach(children::add);
                Thread.sleep(200);
            }
            assertThat(hub.process.isAlive()).as("hub exits by itself; output:\n%s", hub.printed()).isFalse();
            assertThat(hub.process.exitValue()).isEqualTo(1);
            assertThat(hub.printed()).contains("start-up failed, stopping what had started");
            assertThat(children).as("the hub had started its database and registry").isNotEmpty();
            for (ProcessHandle child : children) {
                child.onExit().get(30, TimeUnit.SECONDS);
            }
            for (int port : ports) {
                try (Socket probe = new Socket()) {
                    assertThatThrownBy(() -> probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000))
                            .as("nothing listens on %d any more", port).isInstanceOf(ConnectException.class);
                }
            }
        }
    }

    private record Hub(Process process, List<String> output, CompletableFuture<Boolean> ready) {
        static Hub start(Path dataDir, int dbPort, int registryPort) throws Exception {
            Hub hub = launch(dataDir, dbPort, registryPort, Map.of());
            boolean up = hub.ready.completeOnTimeout(false, READY_BOUND.toSeconds(), TimeUnit.SECONDS).get();
            if (!up) {
                hub.process.destroyForcibly();
                throw new AssertionError("hub not ready within " + READY_BOUND + "; output:\n" + hub.printed());
            }
            return hub;
        }

        static Hub launch(Path dataDir, int dbPort, int registryPort, Map<String, String> overrides) throws Exception {
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
            pb.environment().putAll(overrides);
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
            return new Hub(process, output, ready);
        }

        String printed() {
            synchronized (output) { // the reader thread may still be adding lines
                return String.join("\n", output);
            }
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
}
