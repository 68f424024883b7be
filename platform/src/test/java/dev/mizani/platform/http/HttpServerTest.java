package dev.mizani.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.http.HttpServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gateway's selector server, over real sockets: raw bytes where framing is the point, the JDK's client otherwise. */
class HttpServerTest {
    private static final HttpServer.Refusals REFUSALS = (status, reason) ->
            new Reply(status, "text/plain", ("refused: " + reason).getBytes(StandardCharsets.UTF_8), null);
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        later.shutdownNow();
        for (HttpServer s : servers) {
            s.close();
        }
    }

    private HttpServer server(int connectionsMax, long requestTimeoutMs, long answerTimeoutMs, long idleTimeoutMs,
                              HttpServer.Handler handler) throws IOException {
        HttpServer s = new HttpServer(new HttpServer.Settings("test-server", "127.0.0.1", 0, 1, connectionsMax, 1024, 4096,
                requestTimeoutMs, answerTimeoutMs, idleTimeoutMs, null), handler, REFUSALS);
        servers.add(s);
        return s;
    }

    /** Echoes method, path and body; answers from another thread after up to 5 ms, or at once for /now. */
    private final HttpServer.Handler echo = (request, exchange) -> {
        Reply reply = new Reply(200, "text/plain", (request.method() + " " + request.path() + " "
                + new String(request.body(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8),
                Map.of("X-Query", String.valueOf(request.query())));
        if (request.path().equals("/now")) {
            exchange.reply(reply);
        } else {
            later.schedule(() -> exchange.reply(reply), ThreadLocalRandom.current().nextInt(5_000), TimeUnit.MICROSECONDS);
        }
    };

    @Test
    void concurrentClientsEachGetTheirOwnAnswerWhenHandlersAnswerFromOtherThreads() throws Exception {
        HttpServer s = server(1_024, 5_000, 5_000, 60_000, echo);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/t/" + i + "?q=" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("body" + i)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 500; i++) {
            HttpResponse<String> r = answers.get(i).get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("POST /t/" + i + " body" + i);
            assertThat(r.headers().firstValue("X-Query")).contains("q=" + i);
        }
    }

    @Test
    void aKeptAliveConnectionServesRequestsAfterAnswersGivenAtOnceAndAnswersGivenLater() throws Exception {
        HttpServer s = server(4, 2_000, 5_000, 60_000, echo);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(); // one connection, in turn
        for (int i = 0; i < 300; i++) {
            String path = (i % 3 == 0 ? "/now" : "/later") ; // "/now" is answered within the read that brought it
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path));
            HttpRequest request = i % 2 == 0 ? b.GET().build() : b.POST(HttpRequest.BodyPublishers.ofString("b" + i)).build();
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("request " + i).isEqualTo(200);
            assertThat(r.body()).isEqualTo(request.method() + " " + path + " " + (i % 2 == 0 ? "" : "b" + i));
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderEvenWhenALaterOneIsReadyFirst() throws Exception {
        HttpServer s = server(4, 5_000, 5_000, 60_000, (request, exchange) -> {
            Reply reply = new Reply(200, null, request.path().getBytes(StandardCharsets.UTF_8), null);
            if (request.path().equals("/slow")) {
                later.schedule(() -> exchange.reply(reply), 200, TimeUnit.MILLISECONDS);
            } else {
                exchange.reply(reply);
            }
        });
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            StringBuilder pipelined = new StringBuilder();
            for (String path : List.of("/slow", "/a", "/b", "/c")) {
                pipelined.append("GET ").append(path).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            socket.getOutputStream().write(pipelined.toString().getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            for (String path : List.of("/slow", "/a", "/b", "/c")) {
                assertThat(read(in).body()).isEqualTo(path);
            }
        }
    }

    @Test
    void framingThatCouldSmuggleOrHideARequestIsRefusedAndTheConnectionClosed() throws Exception {
        List<String> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer s = server(16, 5_000, 5_000, 60_000, (request, exchange) -> {
            handled.add(request.path());
            exchange.reply(new Reply(200, null, null, null));
        });
        String body = "{}";
        Map<String, Integer> cases = new LinkedHashMap<>();
        // a valid chunked body that Content-Length would read differently: the pair smuggles a request
        cases.put("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
        cases.put("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n" + body, 400);
        cases.put("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\ncontent-length: 3\r\n\r\n" + body, 400);
        cases.put("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: +2\r\n\r\n" + body, 400);
        cases.put("GET /x HTTP/1.1\r\nHost: h\r\nX-Note: \u001fb\r\n\r\n", 400);
        cases.put("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + body, 501);
        cases.put("GET /x HTTP/1.1\r\nHost: h\r\nX-Note: a\u0001b\r\n\r\n", 400);
        cases.put("GET /x HTTP/1.1\r\nHost: h\r\nX-Note: a\rInjected: yes\r\n\r\n", 400);
        cases.put("GET /x HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n", 400);
        cases.put("GET /x HTTP/1.1\r\n\r\n", 400);
        cases.put("GET /x HTTP/2.0\r\nHost: h\r\n\r\n", 400);
        cases.put("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
        cases.put("GET /x y HTTP/1.1\r\nHost: h\r\n\r\n", 400);
        cases.put("GET /x HTTP/1.1\r\nHost: h\r\nX-Long: " + "a".repeat(2_000) + "\r\n\r\n", 431);
        cases.put("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n", 413);
        // refused once the body grows past its bound (a declared chunk size alone is not the body)
        cases.put("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1001\r\n" + "a".repeat(4_097) + "\r\n", 413);
        for (var c : cases.entrySet()) {
            try (Socket socket = new Socket("127.0.0.1", s.port())) {
                socket.setSoTimeout(5_000);
                // a request that would follow on the same connection must never be served
                socket.getOutputStream().write((c.getKey() + "GET /after HTTP/1.1\r\nHost: h\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                Raw r = read(socket.getInputStream());
                assertThat(r.status()).as(c.getKey()).isEqualTo(c.getValue());
                assertThat(r.body()).as(c.getKey()).startsWith("refused: ");
                assertThat(r.headers().get("connection")).as(c.getKey()).isEqualTo("close");
                assertThat(socket.getInputStream().read()).as(c.getKey()).isEqualTo(-1);
            }
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void anObsoleteLineFoldingIsJoinedIntoOneValueAsRfc9112AllowsAndHidesNoHeader() throws Exception {
        List<Map<String, List<String>>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer s = server(4, 5_000, 5_000, 60_000, (request, exchange) -> {
            seen.add(request.headers());
            exchange.reply(new Reply(200, null, null, null));
        });
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET /x HTTP/1.1\r\nHost: h\r\nX-Note: a\r\n FSPIOP-Source: b\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(read(socket.getInputStream()).status()).isEqualTo(200);
        }
        assertThat(seen).hasSize(1);
        assertThat(seen.getFirst().get("X-Note")).containsExactly("a FSPIOP-Source: b");
        assertThat(seen.getFirst()).doesNotContainKey("FSPIOP-Source");
    }

    @Test
    void chunkedBodiesExpectContinueAndAbsoluteFormTargetsAreUnderstood() throws Exception {
        HttpServer s = server(4, 5_000, 5_000, 60_000, echo);
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(read(socket.getInputStream()).body()).isEqualTo("POST /c abcde");

            out.write("PUT /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(read(socket.getInputStream()).status()).isEqualTo(100);
            out.write("body".getBytes(StandardCharsets.US_ASCII));
            Raw r = read(socket.getInputStream());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("PUT /e body");

            out.write("GET http://h:80/now?x=1 HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII)); // absolute-form
            Raw absolute = read(socket.getInputStream());
            assertThat(absolute.body()).isEqualTo("GET /now ");
            assertThat(absolute.headers().get("x-query")).isEqualTo("x=1");
        }
    }

    @Test
    void aHandlerThatDoesNotAnswerInTimeGets503AndItsLateAnswerIsDropped() throws Exception {
        CompletableFuture<HttpServer.Exchange> held = new CompletableFuture<>();
        HttpServer s = server(4, 5_000, 300, 60_000, (request, exchange) -> {
            if (request.path().equals("/hold")) {
                held.complete(exchange);
            } else {
                exchange.reply(new Reply(200, null, "next".getBytes(StandardCharsets.UTF_8), null));
            }
        });
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            Raw r = read(socket.getInputStream());
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).contains("no answer within 300 ms");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(250);
            held.get().reply(new Reply(200, null, "late".getBytes(StandardCharsets.UTF_8), null));
            socket.getOutputStream().write("GET /next HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(read(socket.getInputStream()).body()).isEqualTo("next"); // not "late"
        }
    }

    @Test
    void aHandlerThatThrowsGets500AndTheConnectionServesTheNextRequest() throws Exception {
        HttpServer s = server(4, 5_000, 5_000, 60_000, (request, exchange) -> {
            if (request.path().equals("/boom")) {
                throw new IllegalStateException("boom");
            }
            exchange.reply(new Reply(200, null, "fine".getBytes(StandardCharsets.UTF_8), null));
        });
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET /boom HTTP/1.1\r\nHost: h\r\n\r\nGET /ok HTTP/1.1\r\nHost: h\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(read(socket.getInputStream()).status()).isEqualTo(500);
            assertThat(read(socket.getInputStream()).body()).isEqualTo("fine");
        }
    }

    @Test
    void aRequestTooSlowToArriveGets408AndAnIdleConnectionIsClosed() throws Exception {
        HttpServer s = server(4, 300, 5_000, 600, echo);
        try (Socket slow = new Socket("127.0.0.1", s.port())) {
            slow.setSoTimeout(5_000);
            slow.getOutputStream().write("GET /x HTTP/1.1\r\nHost: h\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(read(slow.getInputStream()).status()).isEqualTo(408);
        }
        try (Socket idle = new Socket("127.0.0.1", s.port())) {
            idle.setSoTimeout(5_000);
            idle.getOutputStream().write("GET /now HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(read(idle.getInputStream()).status()).isEqualTo(200);
            long answered = System.nanoTime();
            assertThat(idle.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered)).isBetween(400L, 4_000L);
        }
    }

    @Test
    void beyondTheConnectionBoundAClientWaitsUntilAConnectionCloses() throws Exception {
        HttpServer s = server(2, 5_000, 5_000, 60_000, echo);
        try (Socket a = new Socket("127.0.0.1", s.port()); Socket b = new Socket("127.0.0.1", s.port());
             Socket c = new Socket("127.0.0.1", s.port())) { // connected by the kernel's backlog, not yet accepted
            for (Socket socket : List.of(a, b)) {
                socket.setSoTimeout(5_000);
                socket.getOutputStream().write("GET /now HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(read(socket.getInputStream()).status()).isEqualTo(200);
            }
            c.setSoTimeout(500);
            c.getOutputStream().write("GET /now HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream cIn = c.getInputStream();
            org.assertj.core.api.Assertions.assertThatThrownBy(cIn::read).isInstanceOf(SocketTimeoutException.class);
            a.close();
            c.setSoTimeout(5_000);
            assertThat(read(cIn).body()).isEqualTo("GET /now ");
        }
    }

    @Test
    void aHeadRequestGetsTheHeadersWithoutTheBodyAndHttp10ClosesAfterItsAnswer() throws Exception {
        HttpServer s = server(4, 5_000, 5_000, 60_000, echo);
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("HEAD /now HTTP/1.1\r\nHost: h\r\n\r\nGET /now HTTP/1.0\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            Raw head = readHead(in);
            assertThat(head.headers().get("content-length")).isEqualTo("10");
            Raw next = read(in); // had HEAD's answer carried a body, this would read its bytes as a status line
            assertThat(next.body()).isEqualTo("GET /now ");
            assertThat(next.headers().get("connection")).isEqualTo("close");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    record Raw(int status, Map<String, String> headers, String body) {}

    /** One response: its head, then as many body bytes as Content-Length says (none for 1xx). */
    private static Raw read(InputStream in) throws IOException {
        Raw head = readHead(in);
        if (head.status() < 200) {
            return head;
        }
        int n = Integer.parseInt(head.headers().getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(n);
        return new Raw(head.status(), head.headers(), new String(body, StandardCharsets.UTF_8));
    }

    private static Raw readHead(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (!bytes.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + bytes.toString(StandardCharsets.ISO_8859_1));
            }
            bytes.write(b);
        }
        String[] lines = bytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        return new Raw(Integer.parseInt(lines[0].split(" ")[1]), headers, "");
    }
}
