package dev.mizani.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The callback client over real sockets: against the JDK's own HTTP server, this project's, and raw ones. */
class HttpClientTest {

    record Answer(int status, String body, String failure) {}

    private static final HttpServer.Refusals REFUSALS = (status, reason) -> new HttpServer.Reply(status, "text/plain",
            reason.getBytes(StandardCharsets.UTF_8), null);

    private static com.sun.net.httpserver.HttpServer jdkServer(com.sun.net.httpserver.HttpHandler handler) throws IOException {
        var server = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", handler);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
    }

    private static URI uri(com.sun.net.httpserver.HttpServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void manyRequestsOverFewConnectionsEachGetTheirOwnAnswerWhateverTheirFraming() throws Exception {
        var server = jdkServer(exchange -> {
            byte[] in = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/streamed")) {
                exchange.sendResponseHeaders(200, 0); // no length known: chunked
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 0; i < 3; i++) {
                        out.write(("part" + i + ";").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
                return;
            }
            byte[] out = path.equals("/refuse") ? "{\"errorCode\":\"3100\"}".getBytes(StandardCharsets.UTF_8)
                    : ("echo " + path + " " + exchange.getRequestHeaders().getFirst("X-Id") + " "
                    + new String(in, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(path.equals("/refuse") ? 400 : 202, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        try (HttpClient http = new HttpClient("test-client", 8, 10_000, null)) {
            int n = 2_000;
            Map<Integer, Answer> answers = new ConcurrentHashMap<>();
            CountDownLatch done = new CountDownLatch(n + 2);
            for (int i = 0; i < n; i++) {
                int id = i;
                http.send(uri(server, "/echo/" + i), "POST", Map.of("X-Id", "id" + i), ("body" + i).getBytes(StandardCharsets.UTF_8),
                        (status, body, failure) -> {
                            answers.put(id, new Answer(status, body == null ? null : new String(body, StandardCharsets.UTF_8), failure));
                            done.countDown();
                        });
            }
            Answer[] refused = new Answer[1];
            Answer[] streamed = new Answer[1];
            http.send(uri(server, "/refuse"), "PUT", Map.of(), "x".getBytes(StandardCharsets.UTF_8), (s, b, f) -> {
                refused[0] = new Answer(s, new String(b, StandardCharsets.UTF_8), f);
                done.countDown();
            });
            http.send(uri(server, "/streamed"), "GET", Map.of(), new byte[0], (s, b, f) -> {
                streamed[0] = new Answer(s, new String(b, StandardCharsets.UTF_8), f);
                done.countDown();
            });
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < n; i++) {
                assertThat(answers.get(i)).isEqualTo(new Answer(202, "echo /echo/" + i + " id" + i + " body" + i, null));
            }
            assertThat(refused[0]).isEqualTo(new Answer(400, "{\"errorCode\":\"3100\"}", null));
            assertThat(streamed[0]).isEqualTo(new Answer(200, "part0;part1;part2;", null));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRequestThatGetsNoAnswerFailsWithTheReason() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (ServerSocket silent = new ServerSocket(0);
             HttpClient refused = new HttpClient("test-client", 2, 10_000, null);
             HttpClient waiting = new HttpClient("test-client", 2, 1_000, null)) {
            CountDownLatch done = new CountDownLatch(2);
            Answer[] answers = new Answer[2];
            refused.send(URI.create("http://127.0.0.1:" + closedPort + "/x"), "POST", Map.of(), new byte[0], (s, b, f) -> {
                answers[0] = new Answer(s, null, f);
                done.countDown();
            });
            waiting.send(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/x"), "POST", Map.of(), new byte[0], (s, b, f) -> {
                answers[1] = new Answer(s, null, f);
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(answers[0].status()).isEqualTo(-1);
            assertThat(answers[0].failure()).contains("cannot connect to 127.0.0.1:" + closedPort).contains("Connection refused");
            assertThat(answers[1]).isEqualTo(new Answer(-1, null, "no answer within 1000 ms"));
        }
    }

    @Test
    void oneClientCallsManyOriginsEachWithinItsOwnConnectionBound() throws Exception {
        List<com.sun.net.httpserver.HttpServer> servers = new ArrayList<>();
        Map<String, Integer> peers = new ConcurrentHashMap<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            servers.add(jdkServer(exchange -> {
                exchange.getRequestBody().readAllBytes();
                peers.merge(n + " " + exchange.getRemoteAddress(), 1, Integer::sum);
                byte[] out = ("server " + n + " " + exchange.getRequestURI().getPath() + " "
                        + exchange.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, out.length);
                exchange.getResponseBody().write(out);
                exchange.close();
            }));
        }
        try (HttpClient http = new HttpClient("test-client", 2, 10_000, null)) {
            int n = 600;
            Map<Integer, Answer> answers = new ConcurrentHashMap<>();
            CountDownLatch done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                int id = i;
                http.send(uri(servers.get(i % 3), "/transfers/" + i), "PUT", Map.of(), new byte[0], (status, body, failure) -> {
                    answers.put(id, new Answer(status, body == null ? null : new String(body, StandardCharsets.UTF_8), failure));
                    done.countDown();
                });
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < n; i++) {
                assertThat(answers.get(i)).isEqualTo(new Answer(200, "server " + i % 3 + " /transfers/" + i + " 127.0.0.1:"
                        + servers.get(i % 3).getAddress().getPort(), null));
            }
            for (int s = 0; s < 3; s++) {
                String prefix = s + " ";
                assertThat(peers.keySet().stream().filter(k -> k.startsWith(prefix)).count())
                        .as("connections to server " + s).isBetween(1L, 2L);
            }
        } finally {
            servers.forEach(s -> s.stop(0));
        }
    }

    @Test
    void aRequestOnAConnectionTheServerClosedWhileIdleIsSentAgainOnce() throws Exception {
        // answers one request per connection, keeps it open as if alive, then closes it when the next request comes
        List<String> seen = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             HttpClient http = new HttpClient("test-client", 1, 10_000, null)) {
            Thread serving = Thread.ofPlatform().daemon().start(() -> {
                for (int connection = 0; ; connection++) {
                    try (Socket s = server.accept()) {
                        var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                                StandardCharsets.US_ASCII));
                        String line = in.readLine();
                        while (!in.readLine().isEmpty()) {
                            // the rest of the head; the requests have no body
                        }
                        seen.add(connection + " " + line);
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                .getBytes(StandardCharsets.US_ASCII));
                        in.readLine(); // the next request's first line arrives: close without an answer
                    } catch (IOException | NullPointerException e) {
                        if (server.isClosed()) {
                            return;
                        }
                    }
                }
            });
            for (String path : List.of("/first", "/second")) {
                CountDownLatch done = new CountDownLatch(1);
                Answer[] answer = new Answer[1];
                http.send(URI.create("http://127.0.0.1:" + server.getLocalPort() + path), "GET", Map.of(), new byte[0], (s, b, f) -> {
                    answer[0] = new Answer(s, b == null ? null : new String(b, StandardCharsets.US_ASCII), f);
                    done.countDown();
                });
                assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(answer[0]).isEqualTo(new Answer(200, "ok", null));
            }
            assertThat(seen).containsExactly("0 GET /first HTTP/1.1", "1 GET /second HTTP/1.1");
            server.close();
            serving.join(5_000);
        }
    }

    @Test
    void aRequestWaitingForABusyOriginTimesOutToo() throws Exception {
        try (ServerSocket silent = new ServerSocket(0);
             HttpClient http = new HttpClient("test-client", 1, 1_000, null)) {
            CountDownLatch done = new CountDownLatch(2);
            List<String> failures = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 2; i++) {
                http.send(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/x"), "POST", Map.of(), new byte[0], (s, b, f) -> {
                    failures.add(s + " " + f);
                    done.countDown();
                });
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(failures).hasSize(2).allSatisfy(f -> assertThat(f).startsWith("-1 "));
            assertThat(failures).anySatisfy(f -> assertThat(f).isEqualTo("-1 no answer within 1000 ms"));
        }
    }

    @Test
    void anOriginThatCannotBeConnectedFailsItsRequestAndLeavesTheClientServingOthers() throws Exception {
        try (HttpServer ok = new HttpServer(new HttpServer.Settings("test-server", "127.0.0.1", 0, 1, 16, 4096, 4096,
                5_000, 5_000, 60_000, null), (r, x) -> x.reply(new HttpServer.Reply(200, null,
                "ok".getBytes(StandardCharsets.UTF_8), null)), REFUSALS);
             HttpClient http = new HttpClient("test-client", 2, 5_000, null)) {
            CountDownLatch done = new CountDownLatch(2);
            List<String> answers = new CopyOnWriteArrayList<>();
            // no name lookup: an address that was never resolved cannot be connected to
            http.send(new HttpClient.Origin(false, InetSocketAddress.createUnresolved("nowhere", 80), "nowhere:80"), "GET", "/",
                    Map.of(), new byte[0], (s, b, f) -> {
                        answers.add(s + " " + f);
                        done.countDown();
                    });
            http.send(URI.create("http://127.0.0.1:" + ok.port() + "/ok"), "GET", Map.of(), new byte[0], (s, b, f) -> {
                answers.add(s + " " + new String(b, StandardCharsets.UTF_8));
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(answers).containsExactlyInAnyOrder("-1 cannot connect to nowhere:80: UnresolvedAddressException", "200 ok");
        }
    }

    @Test
    void onlyHttpAndHttpsOriginsAreAcceptedAndHttpsOnlyWithATlsContext() throws Exception {
        assertThatThrownBy(() -> HttpClient.Origin.of(URI.create("ftp://127.0.0.1/x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an http or https URI");
        assertThat(HttpClient.Origin.of(URI.create("http://127.0.0.1/transfers")).host()).isEqualTo("127.0.0.1:80");
        assertThat(HttpClient.Origin.of(URI.create("https://127.0.0.1/transfers")).host()).isEqualTo("127.0.0.1:443");
        try (HttpClient http = new HttpClient("test-client", 1, 1_000, null)) {
            assertThatThrownBy(() -> http.send(URI.create("https://127.0.0.1:8443/x"), "GET", Map.of(), new byte[0],
                    (s, b, f) -> { })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no TLS context");
            assertThatThrownBy(() -> http.send(URI.create("http://127.0.0.1:1/x"), "GET", Map.of("X-Note", "a\r\nInjected: yes"),
                    new byte[0], (s, b, f) -> { })).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
