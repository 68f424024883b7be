package dev.mizani.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.http.HttpServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that try to exhaust or confuse the server while a well-behaved one keeps calling it: each hostile
 * client gets its refusal (or is held to its bounds), and every request of the well-behaved client is answered
 * meanwhile, none slower than {@link #PROMPT_MS}. One event-loop thread serves them all, as the gateway does.
 */
class HostileClientsTest {
    /** Far above a loopback request's few milliseconds, far below the hostile clients' deadlines. */
    private static final long PROMPT_MS = 1_000;
    private static final long REQUEST_TIMEOUT_MS = 3_000;
    private static final HttpServer.Refusals REFUSALS = (status, reason) ->
            new Reply(status, "text/plain", ("refused: " + reason).getBytes(StandardCharsets.UTF_8), null);

    private HttpServer server;
    private HttpClient wellBehaved;

    @BeforeEach
    void start() throws IOException {
        server = new HttpServer(new HttpServer.Settings("hostile-test", "127.0.0.1", 0, 1, 256, 4096, 16 * 1024,
                REQUEST_TIMEOUT_MS, 5_000, 60_000, null),
                (request, exchange) -> exchange.reply(new Reply(200, "text/plain",
                        (request.method() + " " + request.path()).getBytes(StandardCharsets.UTF_8), null)), REFUSALS);
        wellBehaved = new HttpClient("well-behaved", 4, 10_000, null);
    }

    @AfterEach
    void stop() throws InterruptedException {
        wellBehaved.close();
        server.close();
    }

    /** Sends {@code n} requests, 8 at a time, and returns the slowest answer's milliseconds; all must be 200. */
    private long servedMeanwhile(int n) throws InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/transfers");
        AtomicLong slowestNs = new AtomicLong();
        List<String> wrong = new CopyOnWriteArrayList<>();
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(8);
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            window.acquire();
            long sentNs = System.nanoTime();
            wellBehaved.send(uri, "POST", Map.of("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8),
                    (status, body, failure) -> {
                        slowestNs.accumulateAndGet(System.nanoTime() - sentNs, Math::max);
                        if (status != 200) {
                            wrong.add(status + " " + failure);
                        }
                        window.release();
                        done.countDown();
                    });
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(wrong).isEmpty();
        return TimeUnit.NANOSECONDS.toMillis(slowestNs.get());
    }

    @Test
    void slowlorisHeadsAndBodiesGet408AtTheirDeadlineWhileOthersAreServed() throws Exception {
        List<Socket> slow = new ArrayList<>();
        var dripping = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        List<CompletableFuture<String>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout((int) (REQUEST_TIMEOUT_MS * 3));
                slow.add(s);
                boolean body = i % 2 == 0;
                // a head that never ends, or a body that never comes whole: a byte now and then keeps them busy
                String start = body ? "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n{" : "GET /x HTTP/1.1\r\nHost: h\r\n";
                answers.add(CompletableFuture.supplyAsync(() -> trickle(s, start, body ? "a" : "X-Pad: a\r\n"), dripping));
            }
            long started = System.nanoTime();
            long slowest = servedMeanwhile(2_000);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(slowest).as("the slowest well-behaved answer, ms").isLessThan(PROMPT_MS);
            assertThat(tookMs).as("served before the slow clients' deadline").isLessThan(REQUEST_TIMEOUT_MS);
            for (var a : answers) {
                assertThat(a.get(REQUEST_TIMEOUT_MS * 4, TimeUnit.MILLISECONDS)).startsWith("HTTP/1.1 408 ");
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
            dripping.shutdownNow();
        }
    }

    /** Writes {@code start}, then {@code drip} every 200 ms until an answer comes; returns the answer's first line. */
    private static String trickle(Socket s, String start, String drip) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(start.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            while (in.available() == 0) {
                Thread.sleep(200);
                try {
                    out.write(drip.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException closed) {
                    break; // the server closed its side after answering
                }
            }
            return firstLine(in);
        } catch (IOException | InterruptedException e) {
            return e.toString();
        }
    }

    @Test
    void aPipeliningFloodIsAnsweredInOrderAtTheClientsOwnPaceWhileOthersAreServed() throws Exception {
        int flood = 20_000;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            byte[] one = "GET /f HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            // written without reading: the server decodes no further than one read ahead of its answers, and stops
            // answering when the client does not read, so the kernel's buffers fill and the writer waits
            CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < flood; i++) {
                        out.write(one);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(servedMeanwhile(2_000)).as("the slowest well-behaved answer, ms").isLessThan(PROMPT_MS);
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            for (int i = 0; i < flood; i++) {
                String status = firstLine(in);
                assertThat(status).as("answer " + i).isEqualTo("HTTP/1.1 200 OK");
                skipRest(in);
            }
            written.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aConnectionThatSendsNothingGets408AtTheRequestDeadlineNotAtTheIdleTimeout() throws Exception {
        try (Socket silent = new Socket("127.0.0.1", server.port())) {
            silent.setSoTimeout((int) (REQUEST_TIMEOUT_MS * 3));
            long connected = System.nanoTime();
            assertThat(servedMeanwhile(500)).as("the slowest well-behaved answer, ms").isLessThan(PROMPT_MS);
            assertThat(firstLine(silent.getInputStream())).startsWith("HTTP/1.1 408 ");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected))
                    .isBetween(REQUEST_TIMEOUT_MS - 100, REQUEST_TIMEOUT_MS * 2);
        }
    }

    @Test
    void oversizedHeadsBodiesAndSmugglingAttemptsAreRefusedWhileOthersAreServed() throws Exception {
        List<String> attacks = List.of(
                "GET /x HTTP/1.1\r\nHost: h\r\nX-Big: " + "a".repeat(8_000) + "\r\n\r\n",
                "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n",
                "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n",
                "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
                "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc",
                "GET /x HTTP/1.1\r\nHost: h\r\nHost: other\r\n\r\n");
        List<String> statuses = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> attacking = CompletableFuture.runAsync(() -> {
            for (int round = 0; round < 50; round++) {
                for (String attack : attacks) {
                    try (Socket s = new Socket("127.0.0.1", server.port())) {
                        s.setSoTimeout(5_000);
                        s.getOutputStream().write(attack.getBytes(StandardCharsets.ISO_8859_1));
                        statuses.add(firstLine(s.getInputStream()));
                    } catch (IOException e) {
                        statuses.add(e.toString());
                    }
                }
            }
        });
        assertThat(servedMeanwhile(2_000)).as("the slowest well-behaved answer, ms").isLessThan(PROMPT_MS);
        attacking.get(60, TimeUnit.SECONDS);
        assertThat(statuses).hasSize(50 * attacks.size());
        assertThat(statuses).allSatisfy(s -> assertThat(s).matches("HTTP/1\\.1 4(00|13|31) .*"));
    }

    private static String firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    /** The rest of an answer after its status line: headers, then Content-Length bytes. */
    private static void skipRest(InputStream in) throws IOException {
        int length = 0;
        for (String h; !(h = firstLine(in)).isEmpty(); ) {
            if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        in.readNBytes(length);
    }
}
