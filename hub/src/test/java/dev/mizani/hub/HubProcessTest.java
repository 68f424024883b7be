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
                .subjectCompatibility(HubTopics.valueSubject(HubTopics.TRANSFERS_EVENTS))).isEqualTo("BACKWARD_TRANSITIVE");
        // each event type has its own subject, held to FULL_TRANSITIVE
        assertThat(new SchemaRegistryClient(registryUrl, Duration.ofSeconds(5))
                .subjectCompatibility(HubTopics.TRANSFERS_EVENTS + "-dev.mizani.schemas.transfer.TransferCommittedEvent"))
                .isEqualTo("FULL_TRANSITIVE");
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
        // the embedded PostgreSQL and registry are watched, and how often they were started again is a series
        assertThat(metrics.body()).containsPattern("mizani_embedded_postgres_restarts 0(\\.0)?\n")
                .containsPattern("mizani_embedded_registry_restarts 0(\\.0)?\n");
        assertThat(metrics.body()).contains("mizani_processor_up{processor=\"transfers\"}",
                "mizani_processor_up{processor=\"participants\"}", "mizani_processor_stage_seconds_count{processor=\"transfers\",stage=\"commit\"}",
                "mizani_projection_lag_events{topic=", "mizani_callbacks_in_flight ");
        // the Kafka clients' own figures, the policies' (Kafka Streams) producers and consumers among them
        assertThat(metrics.body()).containsPattern("kafka_producer_request_rate\\{client_id=\"transfers-policy-[^\"]*-producer\"\\}")
                .containsPattern("kafka_consumer_request_rate\\{client_id=\"participants-policy-[^\"]*-consumer\"\\}")
                .contains("kafka_producer_request_rate{client_id=\"transfers-producer\"}");
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
                    "\"participants-handler\":{\"status\":\"UP\"", "\"projection\":{\"status\":\"UP\"",
                    "\"transfers-policy\":{\"status\":\"UP\"", "\"participants-policy\":{\"status\":\"UP\"",
                    "\"callback-notifier\":{\"status\":\"UP\"");
            // an orchestrator's probes: readiness is every check, liveness none
            var ready = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + banner.group(1) + "/health/ready")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as("%s /health/ready", api).isEqualTo(200);
            assertThat(ready.body()).contains("\"transfers-handler\":{\"status\":\"UP\"");
            var live = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + banner.group(1) + "/health/live")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).as("%s /health/live", api).isEqualTo(200);
            assertThat(live.body()).isEqualTo("{\"status\":\"UP\",\"checks\":{}}");
        }
        second.interruptAndAwaitExit();
    }

    /**
     * Kafka's retention drops a topic's oldest records; the views the hub rebuilds at start (the gateway's
     * participants, the payee directory) must not need them. Here participants.events loses every record before
     * the restart, as it would a week after onboarding, and the restarted hub still knows the participant, its
     * endpoint, its limit and its credential.
     */
    @Test
    void aRestartedHubKnowsEveryParticipantAfterRetentionDroppedTheirEvents() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Hub first = Hub.start(dataDir, ports[0], ports[1]);
        String operator = java.nio.file.Files.readString(dataDir.resolve("operator-token")).trim();
        String admin = "http://127.0.0.1:" + first.port("admin API              http://127.0.0.1:(\\d+)");
        call("POST", admin + "/participants", operator, "{\"name\":\"aged\",\"currency\":\"USD\"}", 201);
        call("POST", admin + "/participants/aged/initialPositionAndLimits", operator,
                "{\"currency\":\"USD\",\"limit\":{\"type\":\"NET_DEBIT_CAP\",\"value\":1234},\"initialPosition\":0}", 201);
        call("POST", admin + "/participants/aged/endpoints", operator,
                "{\"type\":\"FSPIOP_CALLBACK_URL_TRANSFER_POST\",\"value\":\"http://127.0.0.1:9/aged\"}", 201);
        String credential = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                call("POST", admin + "/participants/aged/credentials", operator, null, 201)).get("credential").asText();
        String kafka = first.matching("kafka=(\\S+) db=");
        try (var kafkaAdmin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", kafka))) {
            var partitions = kafkaAdmin.describeTopics(List.of(dev.mizani.schemas.HubTopics.PARTICIPANTS_EVENTS))
                    .allTopicNames().get().values().iterator().next().partitions().stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(dev.mizani.schemas.HubTopics.PARTICIPANTS_EVENTS,
                            p.partition())).toList();
            var ends = kafkaAdmin.listOffsets(partitions.stream().collect(java.util.stream.Collectors.toMap(tp -> tp,
                    tp -> org.apache.kafka.clients.admin.OffsetSpec.latest()))).all().get();
            kafkaAdmin.deleteRecords(ends.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
                    e -> org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(e.getValue().offset())))).all().get();
            var starts = kafkaAdmin.listOffsets(partitions.stream().collect(java.util.stream.Collectors.toMap(tp -> tp,
                    tp -> org.apache.kafka.clients.admin.OffsetSpec.earliest()))).all().get();
            assertThat(starts.values().stream().mapToLong(o -> o.offset()).sum()).as("records aged out of the topic")
                    .isEqualTo(ends.values().stream().mapToLong(o -> o.offset()).sum()).isPositive();
        }
        first.interruptAndAwaitExit();

        Hub second = Hub.start(dataDir, ports[0], ports[1]);
        String adminAgain = "http://127.0.0.1:" + second.port("admin API              http://127.0.0.1:(\\d+)");
        assertThat(call("GET", adminAgain + "/participants", operator, null, 200)).contains("\"name\":\"aged\"");
        assertThat(call("GET", adminAgain + "/participants/aged/endpoints", operator, null, 200))
                .contains("http://127.0.0.1:9/aged");
        assertThat(call("GET", adminAgain + "/participants/aged/limits", operator, null, 200)).contains("1234");
        String transfers = "http://127.0.0.1:" + second.port("FSPIOP transfers API   http://127.0.0.1:(\\d+)");
        String type = "application/vnd.interoperability.transfers+json;version=1.1";
        for (String[] presented : new String[][] {{credential, "202"}, {credential + "x", "401"}}) {
            var answer = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(transfers + "/transfers/" + java.util.UUID.randomUUID()))
                    .header("Accept", type).header("Content-Type", type).header("FSPIOP-Source", "aged")
                    .header("Date", java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                            java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)))
                    .header("Authorization", "Bearer " + presented[0]).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as("GET /transfers with %s: %s", presented[1], answer.body())
                    .isEqualTo(Integer.parseInt(presented[1]));
        }
        second.interruptAndAwaitExit();
    }

    /** kill -9 runs no shutdown hook: the watcher the hub leaves behind stops its PostgreSQL and registry instead. */
    @Test
    void aHubKilledWithSigkillTakesItsDatabaseAndRegistryWithIt() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Hub hub = Hub.start(dataDir, ports[0], ports[1]);
        long postgres = dev.mizani.embedded.EmbeddedPostgresServer.postmasterPid(dataDir.resolve("postgres"));
        long registry = Long.parseLong(java.nio.file.Files.readString(dataDir.resolve("registry/registry.pid")).trim());
        assertThat(ProcessHandle.of(postgres)).as("PostgreSQL runs").isPresent();
        assertThat(ProcessHandle.of(registry)).as("the registry runs").isPresent();
        hub.process.destroyForcibly();
        assertThat(hub.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        for (long pid : new long[] {postgres, registry}) {
            ProcessHandle.of(pid).ifPresent(p -> {
                try {
                    p.onExit().get(20, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("process " + pid + " still runs 20 s after the hub was killed", e);
                }
            });
        }
        for (int port : ports) {
            try (Socket probe = new Socket()) {
                assertThatThrownBy(() -> probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000))
                        .as("nothing listens on %d any more", port).isInstanceOf(ConnectException.class);
            }
        }
    }

    /**
     * A process of command handlers and the projection only (MIZANI_SERVICES) serves no API, and answers health and
     * metrics on an endpoint of its own: its own checks, liveness, and the metrics for the operator alone.
     */
    @Test
    void aProcessWithoutAnApiServesItsHealthAndMetricsOnItsOwnEndpoint() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Hub hub = Hub.launch(dataDir, ports[0], ports[1], Map.of("MIZANI_SERVICES", "transfers,participants,projections",
                "MIZANI_OPS_PORT", "0"));
        try {
            assertThat(hub.ready.completeOnTimeout(false, READY_BOUND.toSeconds(), TimeUnit.SECONDS).get())
                    .as("ready; output:\n%s", hub.printed()).isTrue();
            assertThat(hub.printed()).contains("services=transfers,participants,projections");
            // the banner comes a line after the ready line: waited for, not read at once
            hub.matching("(FSPIOP transfers API   \\(not in this process: MIZANI_SERVICES\\))");
            String ops = "http://127.0.0.1:" + hub.port("health and metrics of this process on port (\\d+)");
            String operator = java.nio.file.Files.readString(dataDir.resolve("operator-token")).trim();
            var http = java.net.http.HttpClient.newHttpClient();
            dev.mizani.platform.testing.Await.until(Duration.ofSeconds(30), "every check of the process up", () -> {
                try {
                    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(ops + "/health/ready"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (java.io.IOException | InterruptedException e) {
                    return false;
                }
            });
            String health = call("GET", ops + "/health", operator, null, 200);
            assertThat(health).contains("\"transfers-handler\"", "\"participants-handler\"", "\"projection\"",
                    "\"ledger\"", "\"database\"");
            call("GET", ops + "/health/live", operator, null, 200);
            call("GET", ops + "/metrics", "not-the-operator", null, 403);
            assertThat(call("GET", ops + "/metrics", operator, null, 200)).contains("mizani_processor_up");
        } finally {
            hub.interruptAndAwaitExit();
        }
    }

    /**
     * Each service has a runnable of its own, which runs that service alone and refuses a MIZANI_SERVICES that says
     * otherwise, so a deployment's process does what its name says.
     */
    @Test
    void aServiceRunnableRunsItsServiceAloneAndRefusesAnotherServiceList() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Hub refused = Hub.launch(QueryApiMain.class, dataDir, ports[0], ports[1], Map.of("MIZANI_SERVICES", "transfers"));
        assertThat(refused.process.waitFor(60, TimeUnit.SECONDS)).as("exits; output:\n%s", refused.printed()).isTrue();
        assertThat(refused.process.exitValue()).isEqualTo(1);
        assertThat(refused.printed()).contains("this is the query-api runnable, and MIZANI_SERVICES names transfers");

        // a gateway alone: its APIs, and its metrics on the operations endpoint (the query API, which serves them in a
        // process running everything, is not here)
        Hub hub = Hub.launch(ApiGatewayMain.class, dataDir, ports[0], ports[1], Map.of("MIZANI_OPS_PORT", "0"));
        try {
            assertThat(hub.ready.completeOnTimeout(false, READY_BOUND.toSeconds(), TimeUnit.SECONDS).get())
                    .as("ready; output:\n%s", hub.printed()).isTrue();
            assertThat(hub.printed()).contains("services=gateway");
            String transfers = "http://127.0.0.1:" + hub.port("FSPIOP transfers API   http://127.0.0.1:(\\d+)");
            String ops = "http://127.0.0.1:" + hub.port("health and metrics of this process on port (\\d+)");
            String operator = java.nio.file.Files.readString(dataDir.resolve("operator-token")).trim();
            assertThat(call("GET", transfers + "/health/live", operator, null, 200)).isEqualTo("{\"status\":\"UP\",\"checks\":{}}");
            assertThat(call("GET", ops + "/health/ready", operator, null, 200)).contains("\"database\"")
                    .doesNotContain("transfers-handler", "participants-handler", "\"projection\"");
            call("GET", ops + "/metrics", "not-the-operator", null, 403);
            assertThat(call("GET", ops + "/metrics", operator, null, 200)).contains("mizani_callbacks_in_flight");
        } finally {
            hub.interruptAndAwaitExit();
        }
    }

    private static String call(String method, String url, String operator, String json, int expected) throws Exception {
        var answer = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .header("Authorization", "Bearer " + operator).header("Content-Type", "application/json")
                .method(method, json == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("%s %s: %s", method, url, answer.body()).isEqualTo(expected);
        return answer.body();
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
            return launch(Main.class, dataDir, dbPort, registryPort, overrides);
        }

        static Hub launch(Class<?> main, Path dataDir, int dbPort, int registryPort, Map<String, String> overrides)
                throws Exception {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), main.getName())
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

        /** The first group of the first printed line matching the pattern. */
        String matching(String pattern) throws Exception {
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(pattern);
            dev.mizani.platform.testing.Await.until(Duration.ofSeconds(10), pattern + " printed", () -> p.matcher(printed()).find());
            java.util.regex.Matcher m = p.matcher(printed());
            assertThat(m.find()).isTrue();
            return m.group(1);
        }

        int port(String pattern) throws Exception {
            return Integer.parseInt(matching(pattern));
        }

        String tail(int lines) {
            synchronized (output) {
                return String.join("\n", output.subList(Math.max(0, output.size() - lines), output.size()));
            }
        }

        String printed() {
            synchronized (output) { // the reader thread may still be adding lines
                return String.join("\n", output);
            }
        }

        void interruptAndAwaitExit() throws Exception {
            List<ProcessHandle> children = process.descendants().toList();
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                // what the stop was doing: its threads, then the last lines it printed
                String jcmd = process.info().command().map(java -> java.replaceFirst("java$", "jcmd")).orElse("jcmd");
                new ProcessBuilder(jcmd, Long.toString(process.pid()), "Thread.print").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(new java.io.File("target/hub-stop-threads.txt")))
                        .start().waitFor(20, TimeUnit.SECONDS);
            }
            assertThat(exited).as("hub exits after Ctrl-C; its last lines:%n%s", tail(40)).isTrue();
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
