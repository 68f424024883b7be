package dev.mizani.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one-thread HTTP/1.1 against Helidon's server and client, the stack the hub runs. */
class LoopHttpTest {

    record Answer(int status, String body, String failure) {}

    @Test
    void manyRequestsOverFewConnectionsEachGetTheirOwnAnswer() throws Exception {
        WebServer helidon = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r
                        .post("/echo/{n}", (req, res) -> res.status(Status.ACCEPTED_202)
                                .send(("echo " + req.path().pathParameters().get("n") + " " + req.content().as(String.class))
                                        .getBytes(StandardCharsets.UTF_8)))
                        .put("/refuse", (req, res) -> {
                            req.content().consume();
                            res.status(Status.BAD_REQUEST_400).send("{\"errorCode\":\"3100\"}");
                        })
                        .get("/streamed", (req, res) -> {
                            try (OutputStream out = res.outputStream()) {  // no length known: chunked
                                for (int i = 0; i < 3; i++) {
                                    out.write(("part" + i + ";").getBytes(StandardCharsets.UTF_8));
                                    out.flush();
                                }
                            }
                        }))
                .build().start();
        try (LoopHttp http = new LoopHttp("loop-http", URI.create("http://127.0.0.1:" + helidon.port()), 8, 10_000, "127.0.0.1",
                (m, p, b) -> { })) {
            int n = 2_000;
            Map<Integer, Answer> answers = new ConcurrentHashMap<>();
            CountDownLatch done = new CountDownLatch(n + 2);
            for (int i = 0; i < n; i++) {
                int id = i;
                http.send("POST", "/echo/" + i, "Content-Type: text/plain\r\n", ("body" + i).getBytes(StandardCharsets.UTF_8),
                        (status, body, failure) -> {
                            answers.put(id, new Answer(status, body == null ? null : new String(body, StandardCharsets.UTF_8), failure));
                            done.countDown();
                        });
            }
            Answer[] refused = new Answer[1];
            Answer[] streamed = new Answer[1];
            http.send("PUT", "/refuse", "", "x".getBytes(StandardCharsets.UTF_8), (s, b, f) -> {
                refused[0] = new Answer(s, new String(b, StandardCharsets.UTF_8), f);
                done.countDown();
            });
            http.send("GET", "/streamed", "", new byte[0], (s, b, f) -> {
                streamed[0] = new Answer(s, new String(b, StandardCharsets.UTF_8), f);
                done.countDown();
            });
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < n; i++) {
                assertThat(answers.get(i)).isEqualTo(new Answer(202, "echo " + i + " body" + i, null));
            }
            assertThat(refused[0]).isEqualTo(new Answer(400, "{\"errorCode\":\"3100\"}", null));
            assertThat(streamed[0]).isEqualTo(new Answer(200, "part0;part1;part2;", null));
        } finally {
            helidon.stop();
        }
    }

    @Test
    void servesHelidonsClientOverKeptAliveConnections() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (LoopHttp http = new LoopHttp("loop-http", URI.create("http://127.0.0.1:1"), 1, 10_000, "127.0.0.1",
                (method, path, body) -> received.add(method + " " + path + " " + new String(body, StandardCharsets.UTF_8)))) {
            WebClient client = WebClient.builder().baseUri("http://127.0.0.1:" + http.port()).keepAlive(true)
                    .readTimeout(Duration.ofSeconds(10)).build();
            for (int i = 0; i < 300; i++) {
                try (HttpClientResponse res = client.method(i % 2 == 0 ? Method.PUT : Method.POST).path("/dfsp" + i + "/transfers")
                        .submit(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8))) {
                    assertThat(res.status().code()).isEqualTo(200);
                }
            }
            assertThat(received).hasSize(300);
            assertThat(received.get(7)).isEqualTo("POST /dfsp7/transfers {\"n\":7}");
            assertThat(received.get(8)).isEqualTo("PUT /dfsp8/transfers {\"n\":8}");
            client.closeResource();
        }
    }

    @Test
    void answersPipelinedRequestsInOrderAndHonoursConnectionClose() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (LoopHttp http = new LoopHttp("loop-http", URI.create("http://127.0.0.1:1"), 1, 10_000, "127.0.0.1",
                (method, path, body) -> {
                    if (path.equals("/boom")) {
                        throw new IllegalStateException("handler failed");
                    }
                    received.add(method + " " + path + " " + new String(body, StandardCharsets.UTF_8));
                });
             Socket socket = new Socket("127.0.0.1", http.port())) {
            socket.setSoTimeout(10_000);
            String requests = "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
                    + "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
                    + "PUT /boom HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                    + "PATCH /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nthree";
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            String responses = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(responses).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".repeat(2)
                    + "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            assertThat(received).containsExactly("PUT /a one", "POST /b two", "PATCH /c three");
        }
    }

    @Test
    void aRequestThatGetsNoAnswerFailsWithTheReason() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (ServerSocket silent = new ServerSocket(0);
             LoopHttp refused = new LoopHttp("loop-http", URI.create("http://127.0.0.1:" + closedPort), 2, 10_000, "127.0.0.1", (m, p, b) -> { });
             LoopHttp waiting = new LoopHttp("loop-http", URI.create("http://127.0.0.1:" + silent.getLocalPort()), 2, 1_000, "127.0.0.1",
                     (m, p, b) -> { })) {
            CountDownLatch done = new CountDownLatch(2);
            Answer[] answers = new Answer[2];
            refused.send("POST", "/x", "", new byte[0], (s, b, f) -> {
                answers[0] = new Answer(s, null, f);
                done.countDown();
            });
            waiting.send("POST", "/x", "", new byte[0], (s, b, f) -> {
                answers[1] = new Answer(s, null, f);
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(answers[0].status()).isEqualTo(-1);
            assertThat(answers[0].failure()).contains("Connection refused");
            assertThat(answers[1]).isEqualTo(new Answer(-1, null, "timed out after 1000 ms"));
        }
    }

    @Test
    void oneLoopCallsManyOriginsEachWithinItsOwnConnectionBound() throws Exception {
        List<WebServer> servers = new java.util.ArrayList<>();
        Map<String, Integer> peers = new ConcurrentHashMap<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            servers.add(WebServer.builder().host("127.0.0.1").port(0)
                    .routing(r -> r.put("/transfers/{id}", (req, res) -> {
                        peers.merge(n + " " + req.remotePeer().address(), 1, Integer::sum);
                        res.send("server " + n + " " + req.path().pathParameters().get("id") + " " + req.headers()
                                .get(io.helidon.http.HeaderNames.HOST).get());
                    }))
                    .build().start());
        }
        try (LoopHttp http = new LoopHttp("loop-http", null, 2, 10_000, null, null)) {
            int n = 600;
            Map<Integer, Answer> answers = new ConcurrentHashMap<>();
            CountDownLatch done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                int id = i;
                var origin = LoopHttp.Origin.of(URI.create("http://127.0.0.1:" + servers.get(i % 3).port() + "/ignored"));
                http.send(origin, "PUT", "/transfers/" + i, "", new byte[0], (status, body, failure) -> {
                    answers.put(id, new Answer(status, body == null ? null : new String(body, StandardCharsets.UTF_8), failure));
                    done.countDown();
                });
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < n; i++) {
                assertThat(answers.get(i)).isEqualTo(new Answer(200,
                        "server " + i % 3 + " " + i + " 127.0.0.1:" + servers.get(i % 3).port(), null));
            }
            for (int s = 0; s < 3; s++) {
                String prefix = s + " ";
                assertThat(peers.keySet().stream().filter(k -> k.startsWith(prefix)).count())
                        .as("connections to server " + s).isBetween(1L, 2L);
            }
        } finally {
            servers.forEach(WebServer::stop);
        }
    }

    @Test
    void aRequestOnAConnectionTheServerClosedWhileIdleIsSentAgainOnce() throws Exception {
        // answers one request per connection, keeps it open as if alive, then closes it when the next request comes
        List<String> seen = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             LoopHttp http = new LoopHttp("loop-http", URI.create("http://127.0.0.1:" + server.getLocalPort()), 1, 10_000,
                     null, null)) {
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
                http.send("GET", path, "", new byte[0], (s, b, f) -> {
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
             LoopHttp http = new LoopHttp("loop-http", URI.create("http://127.0.0.1:" + silent.getLocalPort()), 1, 1_000,
                     null, null)) {
            CountDownLatch done = new CountDownLatch(2);
            List<String> failures = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 2; i++) {
                http.send("POST", "/x", "", new byte[0], (s, b, f) -> {
                    failures.add(s + " " + f);
                    done.countDown();
                });
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(failures).containsExactlyInAnyOrder("-1 timed out after 1000 ms",
                    "-1 timed out after 1000 ms waiting for a connection to 127.0.0.1:" + silent.getLocalPort());
        }
    }

    @Test
    void anOriginThatCannotBeConnectedFailsItsRequestAndLeavesTheLoopServingOthers() throws Exception {
        WebServer helidon = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.get("/ok", (req, res) -> res.send("ok"))).build().start();
        try (LoopHttp http = new LoopHttp("loop-http", null, 2, 5_000, null, null)) {
            CountDownLatch done = new CountDownLatch(2);
            List<String> answers = new CopyOnWriteArrayList<>();
            // no name lookup: an address that was never resolved cannot be connected to
            http.send(new LoopHttp.Origin(java.net.InetSocketAddress.createUnresolved("nowhere", 80), "nowhere:80"), "GET", "/",
                    "", new byte[0], (s, b, f) -> {
                        answers.add(s + " " + f);
                        done.countDown();
                    });
            http.send(LoopHttp.Origin.of(URI.create("http://127.0.0.1:" + helidon.port())), "GET", "/ok", "", new byte[0],
                    (s, b, f) -> {
                        answers.add(s + " " + new String(b, StandardCharsets.UTF_8));
                        done.countDown();
                    });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(answers).containsExactlyInAnyOrder("-1 connect: java.nio.channels.UnresolvedAddressException", "200 ok");
        } finally {
            helidon.stop();
        }
    }

    @Test
    void onlyPlainHttpOriginsAreAccepted() {
        assertThatThrownBy(() -> LoopHttp.Origin.of(URI.create("https://127.0.0.1:8443/x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an http URI");
        assertThat(LoopHttp.Origin.of(URI.create("http://127.0.0.1/transfers")).host()).isEqualTo("127.0.0.1:80");
    }

    @Test
    void aMessageIsParsedOnlyWhenWholeAndRefusedWhenTooLarge() throws Exception {
        byte[] whole = "HTTP/1.1 202 Accepted\r\ncontent-length: 4\r\nConnection: close\r\n\r\nabcdNEXT".getBytes(StandardCharsets.US_ASCII);
        for (int cut = 0; cut < whole.length - 4; cut++) {
            assertThat(LoopHttp.Message.parse(ByteBuffer.allocate(256).put(whole, 0, cut))).isNull();
        }
        LoopHttp.Message m = LoopHttp.Message.parse(ByteBuffer.allocate(256).put(whole));
        assertThat(m.status()).isEqualTo(202);
        assertThat(m.close()).isTrue();
        assertThat(new String(m.body(), StandardCharsets.US_ASCII)).isEqualTo("abcd");
        assertThat(m.length()).isEqualTo(whole.length - 4);
        byte[] huge = ("POST / HTTP/1.1\r\nContent-Length: " + (LoopHttp.MESSAGE_BYTES_MAX + 1) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> LoopHttp.Message.parse(ByteBuffer.allocate(128).put(huge))).isInstanceOf(IOException.class)
                .hasMessageContaining("more than");
    }
}
