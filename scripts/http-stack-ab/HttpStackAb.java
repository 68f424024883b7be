import dev.mizani.platform.http.HttpClient;
import dev.mizani.platform.http.HttpServer;
import dev.mizani.platform.http.LoopHttp;
import dev.mizani.platform.http.LoopServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The FSPIOP server and callback client of two builds, side by side in one JVM: the selector loops of 091c363
 * (LoopServer, LoopHttp) and Netty (HttpServer, HttpClient). Each round sends prepare-sized requests at a fixed rate
 * from the client to the server, whose handler answers 202 from another thread, as the gateway answers from the
 * Kafka producer's callback; it reports the CPU of the server's and the client's threads per request, the whole
 * process's (the client's callers encode requests on their own thread in the selector build, on the loop in Netty's),
 * and the p99.
 * Rounds alternate between the stacks. Run by scripts/http-stack-ab/run.
 */
public class HttpStackAb {
    static final byte[] BODY = ("{\"transferId\":\"01JEXAMPLE0000000000000000\",\"payerFsp\":\"payerfsp\",\"payeeFsp\":\"payeefsp\","
            + "\"amount\":{\"amount\":\"12.5\",\"currency\":\"USD\"},\"ilpPacket\":\"" + "A".repeat(400) + "\","
            + "\"condition\":\"GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM\",\"expiration\":\"2026-12-06T22:00:00.000Z\"}")
            .getBytes(StandardCharsets.UTF_8);
    static final Map<String, String> HEADERS = Map.of("Content-Type", "application/vnd.interoperability.transfers+json;version=1.1",
            "Accept", "application/vnd.interoperability.transfers+json;version=1.1", "Date", "Sun, 06 Dec 2026 22:00:00 GMT",
            "FSPIOP-Source", "payerfsp", "FSPIOP-Destination", "payeefsp", "Authorization", "Bearer " + "x".repeat(43));

    public static void main(String[] args) throws Exception {
        int rate = Integer.parseInt(args.length > 0 ? args[0] : "4000");
        int seconds = Integer.parseInt(args.length > 1 ? args[1] : "20");
        int rounds = Integer.parseInt(args.length > 2 ? args[2] : "3");
        ExecutorService acks = Executors.newSingleThreadExecutor(r -> new Thread(r, "acks"));
        System.out.printf("%d requests/s for %d s per round, %d rounds per stack, %d-byte bodies%n", rate, seconds, rounds, BODY.length);
        round("warm-up selector", rate, 15, acks, true);
        round("warm-up netty", rate, 15, acks, false);
        for (int i = 0; i < rounds; i++) {
            round("selector", rate, seconds, acks, true);
            round("netty   ", rate, seconds, acks, false);
        }
        acks.shutdown();
        System.exit(0);
    }

    interface Send {
        void send(Runnable done);
    }

    static void round(String label, int rate, int seconds, ExecutorService acks, boolean selector) throws Exception {
        AutoCloseable server;
        AutoCloseable client;
        Send send;
        if (selector) {
            LoopServer s = new LoopServer(new LoopServer.Settings("bench-server", "127.0.0.1", 0, 4096, 16384, 65536, 30_000,
                    10_000, 300_000), (request, exchange) -> acks.execute(() -> exchange.reply(new LoopServer.Reply(202, null, null, null))),
                    (status, reason) -> new LoopServer.Reply(status, null, null, null));
            LoopHttp c = new LoopHttp("bench-client", URI.create("http://127.0.0.1:" + s.port()), 64, 30_000, null, null);
            StringBuilder head = new StringBuilder();
            HEADERS.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            String headers = head.toString();
            send = done -> c.send("POST", "/transfers", headers, BODY, (status, body, failure) -> done.run());
            server = s;
            client = c;
        } else {
            HttpServer s = new HttpServer(new HttpServer.Settings("bench-server", "127.0.0.1", 0, 1, 4096, 16384, 65536,
                    30_000, 10_000, 300_000, null), (request, exchange) -> acks.execute(() -> exchange.reply(new HttpServer.Reply(202, null, null, null))),
                    (status, reason) -> new HttpServer.Reply(status, null, null, null));
            HttpClient c = new HttpClient("bench-client", 64, 30_000, null);
            HttpClient.Origin origin = HttpClient.Origin.of(URI.create("http://127.0.0.1:" + s.port()));
            send = done -> c.send(origin, "POST", "/transfers", HEADERS, BODY, (status, body, failure) -> done.run());
            server = s;
            client = c;
        }
        int n = rate * seconds;
        long[] latencies = new long[n];
        CountDownLatch ended = new CountDownLatch(n);
        long cpuServer0 = cpu("bench-server");
        long cpuClient0 = cpu("bench-client");
        long cpuProcess0 = processCpu();
        long start = System.nanoTime();
        long period = 1_000_000_000L / rate;
        for (int i = 0; i < n; i++) {
            long due = start + i * period;
            for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            int id = i;
            long sent = System.nanoTime();
            send.send(() -> {
                latencies[id] = System.nanoTime() - sent;
                ended.countDown();
            });
        }
        if (!ended.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(label + ": not every request ended");
        }
        long serverUs = (cpu("bench-server") - cpuServer0) / 1000;
        long clientUs = (cpu("bench-client") - cpuClient0) / 1000;
        long processUs = (processCpu() - cpuProcess0) / 1000;
        Arrays.sort(latencies);
        System.out.printf("%s  server %5.1f  client %5.1f  whole process %5.1f us/request  p50 %6.2f ms  p99 %6.2f ms%n",
                label, (double) serverUs / n, (double) clientUs / n, (double) processUs / n, latencies[n / 2] / 1e6,
                latencies[n * 99 / 100] / 1e6);
        client.close();
        server.close();
    }

    /** CPU nanoseconds of the whole process: the sending thread, the acknowledging one, GC and JIT included. */
    static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU nanoseconds of the live threads whose names start with {@code prefix}. */
    static long cpu(String prefix) {
        var threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                long ns = threads.getThreadCpuTime(t.threadId());
                total += Math.max(0, ns);
            }
        }
        return total;
    }
}
