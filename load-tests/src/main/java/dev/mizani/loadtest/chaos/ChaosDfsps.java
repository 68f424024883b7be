package dev.mizani.loadtest.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.mizani.loadtest.ftps.Onboarding;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * DFSPs as they behave while the hub fails under them: payers prepare; payees fulfil most forwarded prepares,
 * reject some, leave some to expire, and send their answer again (every half second, until the transfer's
 * expiration) while the hub refuses it or cannot be reached. Every outcome is allowed; what the chaos run checks
 * is that the ledger agrees with itself afterwards. Callbacks reach one HTTP server, a path per DFSP.
 */
final class ChaosDfsps implements AutoCloseable {
    private static final String TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    private static final DateTimeFormatter FSPIOP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** A transfer as its payer and payee know it. */
    record Sent(String id, int payer, int payee, String fulfilment, Instant expiration, boolean answer, boolean reject,
                long sentNs) {}

    final List<String> names = new ArrayList<>();
    final List<String> credentials = new ArrayList<>();
    final Map<String, Sent> accepted = new ConcurrentHashMap<>();
    final LongAdder refused = new LongAdder();
    final LongAdder unreachable = new LongAdder();
    final LongAdder commitsAtPayer = new LongAdder();
    final LongAdder errorsAtPayer = new LongAdder();
    final LongAdder answersResent = new LongAdder();
    /** When the last commit callback for a transfer prepared at or after each moment arrived: see {@link #firstCommitAfter}. */
    private final Map<String, Long> committedAtNs = new ConcurrentHashMap<>();
    private final HttpServer callbacks;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ScheduledExecutorService retries = Executors.newScheduledThreadPool(2);
    private final List<String> gateways;
    private final AtomicLong lastCommitNs = new AtomicLong();

    /** @param gateways where the DFSPs send their requests: each request goes to one of them at random */
    ChaosDfsps(List<String> gateways) throws Exception {
        this.gateways = List.copyOf(gateways);
        callbacks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        callbacks.setExecutor(Executors.newFixedThreadPool(8));
        callbacks.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            String[] path = exchange.getRequestURI().getPath().split("/");
            // /<dfsp>/transfers[/<id>[/error]]
            if (path.length >= 3) {
                callback(path[1], exchange.getRequestMethod(), path, body);
            }
        });
        callbacks.start();
    }

    int port() {
        return callbacks.getAddress().getPort();
    }

    /** Creates the DFSPs through the admin API, with endpoints at this server and a credential each. */
    /**
     * Onboards {@code count} DFSPs named so that the first {@code partitions} of them fall on distinct partitions of the
     * participants' topics: with as many DFSPs as partitions, every process running the participants handler owns some
     * of them, whichever partitions it is given.
     */
    void onboard(Onboarding.Admin admin, int count, String runId, int partitions) throws Exception {
        for (int i = 0; i < count; i++) {
            String name = nameOnPartition("chaos" + runId + "d" + i, i % partitions, partitions);
            credentials.add(Onboarding.dfsp(admin, name, "http://127.0.0.1:" + port() + "/" + name, "100000000", "200000000"));
            names.add(name);
        }
    }

    /** {@code base}, or {@code base} with a suffix, whose key the producer's default partitioner puts on {@code partition}. */
    static String nameOnPartition(String base, int partition, int partitions) {
        for (int suffix = 0; ; suffix++) {
            String name = suffix == 0 ? base : base + "x" + suffix;
            byte[] key = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key)) % partitions
                    == partition) {
                return name;
            }
        }
    }

    /**
     * One prepare from a random payer to another DFSP: 80% to be fulfilled, 10% rejected by the payee, 10% left to
     * expire. The hub's answer decides whether it counts as accepted (202) or refused (anything else, or no answer).
     */
    void prepare(long expiresInMs) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int n = names.size();
        int payer = random.nextInt(n);
        int payee = (payer + 1 + random.nextInt(n - 1)) % n;
        byte[] preimage = new byte[32];
        random.nextBytes(preimage);
        int plan = random.nextInt(10);
        Sent t = new Sent(UUID.randomUUID().toString(), payer, payee, B64.encodeToString(preimage),
                Instant.now().plusMillis(plan == 9 ? Math.min(3_000, expiresInMs) : expiresInMs), plan < 9, plan == 8,
                System.nanoTime());
        String body = "{\"transferId\":\"" + t.id() + "\",\"payerFsp\":\"" + names.get(payer) + "\",\"payeeFsp\":\""
                + names.get(payee) + "\",\"amount\":{\"amount\":\"" + (1 + random.nextInt(500)) + "\",\"currency\":\"USD\"},"
                + "\"ilpPacket\":\"AYIBgQAAAAAAAASw\",\"condition\":\"" + condition(preimage) + "\",\"expiration\":\""
                + FSPIOP_TIME.format(t.expiration()) + "\"}";
        send("POST", "/transfers", payer, payee, body).whenComplete((status, failure) -> {
            if (failure != null) {
                unreachable.increment();
            } else if (status == 202) {
                accepted.put(t.id(), t);
            } else {
                refused.increment();
            }
        });
    }

    private void callback(String dfsp, String method, String[] path, byte[] body) {
        if (method.equals("POST") && path.length == 3) {
            try {
                answer(accepted.get(JSON.readTree(body).get("transferId").asText()));
            } catch (Exception e) {
                // a forwarded prepare of a transfer whose 202 the payer never saw: its payee stays silent
            }
        } else if (method.equals("PUT") && path.length == 4) {
            Sent t = accepted.get(path[3]);
            if (t != null && names.get(t.payer()).equals(dfsp)) {
                commitsAtPayer.increment();
                long now = System.nanoTime();
                committedAtNs.putIfAbsent(t.id(), now);
                lastCommitNs.accumulateAndGet(now, Math::max);
            }
        } else if (method.equals("PUT") && path.length == 5) {
            Sent t = accepted.get(path[3]);
            if (t != null && names.get(t.payer()).equals(dfsp)) {
                errorsAtPayer.increment();
            }
        }
    }

    /** The payee's answer, sent again every half second while the hub does not take it, until the expiration. */
    private void answer(Sent t) {
        if (t == null || !t.answer()) {
            return;
        }
        String path = t.reject() ? "/transfers/" + t.id() + "/error" : "/transfers/" + t.id();
        String body = t.reject()
                ? "{\"errorInformation\":{\"errorCode\":\"5104\",\"errorDescription\":\"Transaction request rejected\"}}"
                : "{\"fulfilment\":\"" + t.fulfilment() + "\",\"completedTimestamp\":\"" + FSPIOP_TIME.format(Instant.now())
                + "\",\"transferState\":\"COMMITTED\"}";
        send("PUT", path, t.payee(), t.payer(), body).whenComplete((status, failure) -> {
            if ((failure != null || status >= 500) && Instant.now().plusMillis(500).isBefore(t.expiration())) {
                answersResent.increment();
                retries.schedule(() -> answer(t), 500, TimeUnit.MILLISECONDS);
            }
        });
    }

    private java.util.concurrent.CompletableFuture<Integer> send(String method, String path, int from, int to, String body) {
        String gateway = gateways.get(ThreadLocalRandom.current().nextInt(gateways.size()));
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", TYPE).header("Accept", TYPE)
                .header("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)))
                .header("FSPIOP-Source", names.get(from)).header("FSPIOP-Destination", names.get(to))
                .header("Authorization", "Bearer " + credentials.get(from))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
    }

    /**
     * When the first commit of a transfer prepared after {@code sinceNs} reached its payer: the hub committing new
     * work again after a fault. Empty while none has.
     */
    java.util.OptionalLong firstCommitAfter(long sinceNs) {
        return committedAtNs.entrySet().stream()
                .filter(e -> {
                    Sent t = accepted.get(e.getKey());
                    return t != null && t.sentNs() >= sinceNs;
                })
                .mapToLong(Map.Entry::getValue).min();
    }

    private static String condition(byte[] preimage) {
        try {
            return B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(preimage));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        retries.shutdownNow();
        callbacks.stop(0);
    }
}
