package dev.mizani.gateway.callbacks;

import dev.mizani.gateway.participants.ParticipantsView;
import dev.mizani.gateway.security.MutualTls;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns transfer events into FSPIOP callbacks to the participants' registered endpoints. Delivery is
 * concurrent up to {@code inFlightMax}, each callback retried {@code attemptsMax} times with doubling
 * backoff; one that still fails (or has no endpoint) goes to {@code callbacks.dlq} with the reason, and
 * the ledger is unaffected. Offsets are committed once every callback of a poll has ended, so a crash
 * re-delivers callbacks rather than losing them: at least once, as FSPIOP clients expect.
 *
 * <p>Requests go out through Helidon's WebClient, the same stack as the hub's servers: blocking calls on
 * virtual threads over kept-alive HTTP/1.1 connections, cached per destination. Callbacks carry the hub's
 * name as {@code FSPIOP-Source} unless they forward a participant's request (see {@link Callback}). With
 * mutual TLS, an {@code https} endpoint is called with the hub's own certificate as the client's, and its
 * server certificate must chain to the same authorities the hub trusts for its clients.
 */
public final class CallbackNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallbackNotifier.class);
    private static final String CONTENT_TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    private static final io.helidon.http.HeaderName FSPIOP_SOURCE = HeaderNames.create("FSPIOP-Source");
    private static final io.helidon.http.HeaderName FSPIOP_DESTINATION = HeaderNames.create("FSPIOP-Destination");

    private final ParticipantsView endpoints;
    private final AvroWireCodec<TransferEventEnvelope> events;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> deadLetters;
    private final WebClient http;
    private final String hubName;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight;
    private final int attemptsMax;
    private final Duration backoff;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;

    public CallbackNotifier(String bootstrap, CachedSchemaRegistry registry, ParticipantsView endpoints, Clock clock,
                            String hubName, int inFlightMax, int attemptsMax, Duration backoff,
                            Optional<MutualTls> mutualTls) {
        this.hubName = hubName;
        this.endpoints = endpoints;
        this.events = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_EVENTS),
                TransferEventEnvelope.getClassSchema());
        Map<String, Object> props = KafkaClients.followerConsumer(bootstrap, "api-gateway-notifier");
        props.put("max.poll.records", Math.max(1, inFlightMax));
        // inFlightMax 0 turns callbacks off: the core-mode load test measures the handlers without them
        this.consumer = inFlightMax == 0 ? null : new KafkaConsumer<>(props);
        this.deadLetters = new KafkaProducer<>(KafkaClients.idempotentProducer(bootstrap, "callback-dead-letters"));
        var client = WebClient.builder().connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(10))
                .keepAlive(true).followRedirects(false).connectionCacheSize(Math.max(32, inFlightMax))
                .shareConnectionCache(false);
        mutualTls.ifPresent(m -> client.tls(tls -> tls.sslContext(m.sslContext())));
        this.http = client.build();
        this.inFlight = new Semaphore(inFlightMax);
        this.attemptsMax = attemptsMax;
        this.backoff = backoff;
        this.clock = clock;
        this.thread = consumer == null ? null : Thread.ofPlatform().name("callback-notifier").start(this::run);
        if (consumer == null) {
            log.warn("callbacks are off (MIZANI_CALLBACKS_IN_FLIGHT_MAX=0): no participant will be called back");
        }
    }

    private void run() {
        consumer.subscribe(List.of(HubTopics.TRANSFERS_EVENTS));
        try {
            while (running) {
                List<CompletableFuture<Void>> pending = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    List<Callback> callbacks;
                    try {
                        callbacks = TransferNotifications.callbacksFor(events.decode(r.value()).getPayload());
                    } catch (RuntimeException e) {
                        log.warn("skipping unreadable transfer event {}/{}/{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
                        continue;
                    }
                    for (Callback c : callbacks) {
                        inFlight.acquireUninterruptibly();
                        pending.add(CompletableFuture.runAsync(() -> deliver(c), executor)
                                .whenComplete((v, e) -> inFlight.release()));
                    }
                }
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
                if (!pending.isEmpty()) {
                    consumer.commitSync();
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Delivers a callback that no event caused (the answer to a GET), within the same bound on callbacks in
     * flight. False, and nothing sent, when the bound is reached.
     */
    public boolean submit(Callback c) {
        if (!inFlight.tryAcquire()) {
            return false;
        }
        CompletableFuture.runAsync(() -> deliver(c), executor).whenComplete((v, e) -> inFlight.release());
        return true;
    }

    private void deliver(Callback c) {
        var url = endpoints.callbackUrl(c.participant(), c.endpointType(), c.transferId());
        if (url.isEmpty()) {
            deadLetter(c, "participant " + c.participant() + " has no " + c.endpointType() + " endpoint");
            return;
        }
        String reason = "no attempt";
        for (int attempt = 1; attempt <= attemptsMax; attempt++) {
            try (HttpClientResponse response = http.method(Method.create(c.method())).uri(url.get())
                    .header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE)
                    .header(HeaderNames.ACCEPT, CONTENT_TYPE)
                    .header(FSPIOP_SOURCE, c.from() == null ? hubName : c.from())
                    .header(FSPIOP_DESTINATION, c.participant())
                    .header(HeaderNames.DATE, DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().atOffset(ZoneOffset.UTC)))
                    .submit(c.body().getBytes(StandardCharsets.UTF_8))) {
                int status = response.status().code();
                if (status / 100 == 2) {
                    return;
                }
                reason = "HTTP " + status + " from " + url.get();
            } catch (RuntimeException e) {
                // Helidon reports connection failures, handshakes and timeouts unchecked, under several types; a
                // malformed URL is the endpoint's fault. Whatever it is, the callback ends dead-lettered, not lost.
                reason = withRootCause(e);
            }
            if (Thread.currentThread().isInterrupted()) {
                reason = "interrupted";
                break;
            }
            sleep(backoff.toMillis() << (attempt - 1));
        }
        deadLetter(c, reason + " after " + attemptsMax + " attempts");
    }

    /** Helidon's "Failed to execute SSL handshake" says nothing of why; the innermost cause does. */
    static String withRootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.toString() : e + " (" + root + ")";
    }

    private void deadLetter(Callback c, String reason) {
        log.warn("callback {} {} to {} failed: {}", c.method(), c.transferId(), c.participant(), reason);
        RecordHeaders headers = new RecordHeaders();
        headers.add("mizani.dlq.reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("mizani.callback.participant", c.participant().getBytes(StandardCharsets.UTF_8));
        headers.add("mizani.callback.type", c.endpointType().getBytes(StandardCharsets.UTF_8));
        deadLetters.send(new ProducerRecord<>(HubTopics.CALLBACK_DEAD_LETTERS, null, c.transferId(),
                c.body().getBytes(StandardCharsets.UTF_8), headers));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
            thread.join(30_000);
        }
        deadLetters.close(Duration.ofSeconds(5));
        executor.shutdownNow();
        http.closeResource();
    }
}
