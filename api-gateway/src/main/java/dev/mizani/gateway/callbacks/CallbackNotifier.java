package dev.mizani.gateway.callbacks;

import dev.mizani.platform.health.Health;
import dev.mizani.platform.health.RestartBudget;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.gateway.participants.ParticipantsView;
import dev.mizani.gateway.security.Jws;
import dev.mizani.gateway.security.MutualTls;
import dev.mizani.platform.http.HttpClient;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns transfer events into FSPIOP callbacks to the participants' registered endpoints. Delivery is
 * concurrent up to {@code inFlightMax}, each callback retried {@code attemptsMax} times with doubling
 * backoff; one that still fails (or has no endpoint) goes to {@code callbacks.dlq} with the reason, and
 * the ledger is unaffected. Offsets are committed only after every callback of the polls before them has ended,
 * every 200 ms, so a crash re-delivers callbacks rather than losing them: at least once, as FSPIOP clients expect.
 *
 * <p>Endpoints are called from one event-loop thread ({@link HttpClient} on Netty: kept-alive HTTP/1.1 connections,
 * up to {@code connectionsPerEndpoint} per scheme, host and port), so a callback waiting for its answer holds no
 * thread. Callbacks carry the hub's
 * name as {@code FSPIOP-Source} unless they forward a participant's request (see {@link Callback}), and name the
 * FSPIOP resource and method they are a request on in {@code FSPIOP-URI} and {@code FSPIOP-HTTP-Method}. With
 * mutual TLS, an {@code https} endpoint is called with the hub's own certificate as the client's, and its
 * server certificate must chain to the same authorities the hub trusts for its clients.
 */
public final class CallbackNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallbackNotifier.class);
    private final ContentVersions versions = new ContentVersions();

    /**
     * @param inFlightMax            callbacks being delivered at once; 0 turns callbacks off
     * @param attemptsMax            attempts per callback before it is dead-lettered
     * @param backoff                the wait before the second attempt, doubled before each further one
     * @param connectionsPerEndpoint kept-alive connections the client opens to one scheme, host and port
     */
    /** @param groupInstanceId static membership of the notifier's consumer group ({@link KafkaClients#staticMember}), or null */
    /**
     * @param positionWait how long a callback telling a transfer's end waits for the positions to include it
     *                     ({@link ParticipantsView#positionsInclude}) before it is sent anyway
     */
    public record Settings(int inFlightMax, int attemptsMax, Duration backoff, int connectionsPerEndpoint,
                           String groupInstanceId, Duration positionWait) {}

    private static final int ORIGINS_CACHED_MAX = 1024;
    /** At most this much of callbacks is sent again after a crash. */
    private static final long COMMIT_INTERVAL_NS = 200_000_000L;
    /**
     * A notifier that stopped on an error (its consumer fenced by another member under the same instance id, a bug)
     * follows again with a new consumer after {@link #RESTART_PAUSE_MS}, from the last committed position, at most
     * this many times a {@link #RESTART_WINDOW}; then it stays down and /health says so.
     */
    static final int RESTARTS_MAX = 5;
    static final Duration RESTART_WINDOW = Duration.ofMinutes(1);
    static final long RESTART_PAUSE_MS = 1_000;

    private final ParticipantsView endpoints;
    private final EventWireCodec<TransferEventEnvelope> events;
    /** The consumer now following; null when callbacks are off. A new one replaces it after a failure. */
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Object> consumerProps;
    private final KafkaProducer<String, byte[]> deadLetters;
    private final HttpClient http;
    private final ScheduledExecutorService retries;
    private final Map<String, HttpClient.Origin> origins = new ConcurrentHashMap<>();
    private final String hubName;
    /** The hub's JWS key: what the hub says itself is signed with it. Null: nothing is signed. */
    private final PrivateKey signingKey;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight;
    private final Metrics.Counter delivered;
    private final Metrics.Counter deadLettered;
    private final Metrics.Counter retried;
    private final Metrics.Counter beforePositions;
    private final Metrics.Counter restartCount;
    private final RestartBudget restarts = new RestartBudget(RESTARTS_MAX, RESTART_WINDOW);
    private final int attemptsMax;
    private final Duration backoff;
    private final Duration positionWait;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    /** Why it stopped for good (its restart budget spent), or null. */
    private volatile RuntimeException failure;
    /** Why the consumer now starting replaced the last one, until it has polled once; or null. */
    private volatile RuntimeException restartingAfter;
    private volatile RegistryUnavailableException waiting;
    // notifier-thread state
    private boolean uncommitted;
    private long committedNs = System.nanoTime();


    public CallbackNotifier(String bootstrap, CachedSchemaRegistry registry, ParticipantsView endpoints, Clock clock,
                            String hubName, Settings settings, Optional<MutualTls> mutualTls,
                            Optional<PrivateKey> signingKey, Metrics metrics) {
        this.signingKey = signingKey.orElse(null);
        int inFlightMax = settings.inFlightMax();
        String outcomes = "mizani_callbacks_total";
        String outcomesHelp = "Callbacks that ended: delivered (answered 2xx) or dead_lettered (on callbacks.dlq)";
        this.delivered = metrics.counter(outcomes, outcomesHelp, "outcome", "delivered");
        this.deadLettered = metrics.counter(outcomes, outcomesHelp, "outcome", "dead_lettered");
        this.retried = metrics.counter("mizani_callback_retries_total", "Callback attempts after the first");
        this.beforePositions = metrics.counter("mizani_callbacks_before_positions_total",
                "Callbacks telling a transfer's end sent before the positions included it (the wait for them ran out)");
        this.restartCount = metrics.counter("mizani_callback_notifier_restarts_total",
                "Times the callback notifier stopped on an error and followed transfers.events again with a new consumer");
        this.positionWait = settings.positionWait();

        this.hubName = hubName;
        this.endpoints = endpoints;
        this.events = new EventWireCodec<>(registry, HubTopics.TRANSFERS_EVENTS,
                TransferEventEnvelope.getClassSchema());
        Map<String, Object> props = KafkaClients.followerConsumer(bootstrap, "api-gateway-notifier");
        props.put("max.poll.records", Math.max(1, inFlightMax));
        KafkaClients.staticMember(props, settings.groupInstanceId());
        // inFlightMax 0 turns callbacks off: the core-mode load test measures the handlers without them
        this.consumerProps = props;
        this.consumer = inFlightMax == 0 ? null : new KafkaConsumer<>(props);
        this.deadLetters = new KafkaProducer<>(KafkaClients.idempotentProducer(bootstrap, "callback-dead-letters"));
        this.http = inFlightMax == 0 ? null : new HttpClient("callback-http", settings.connectionsPerEndpoint(), 10_000,
                mutualTls.map(MutualTls::sslContext).orElseGet(CallbackNotifier::defaultTls));
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("callback-retry")
                .daemon().unstarted(r));
        this.inFlight = new Semaphore(inFlightMax);
        Semaphore permits = inFlight;
        metrics.gauge("mizani_callbacks_in_flight", "Callbacks being delivered now (at most MIZANI_CALLBACKS_IN_FLIGHT_MAX)",
                () -> inFlightMax - permits.availablePermits());
        this.attemptsMax = settings.attemptsMax();
        this.backoff = settings.backoff();
        this.clock = clock;
        this.thread = consumer == null ? null : Thread.ofPlatform().name("callback-notifier").start(this::run);
        if (consumer == null) {
            log.warn("callbacks are off (MIZANI_CALLBACKS_IN_FLIGHT_MAX=0): no participant will be called back");
        }
    }

    /**
     * Follows until closed. A consumer that stopped on an error is replaced, within the restart budget: the new one
     * starts from the last committed position, so the callbacks of what was polled since are sent again (at least
     * once, as always), none lost.
     */
    private void run() {
        while (running) {
            RuntimeException stopped = follow();
            if (stopped == null || !running) {
                return;
            }
            if (!restarts.take()) {
                failure = stopped;
                log.error("the callback notifier stopped {}; it stays down, and no participant is called back until "
                        + "the gateway restarts", restarts, stopped);
                return;
            }
            restartCount.inc();
            restartingAfter = stopped;
            log.warn("the callback notifier stopped; following again in {} ms from the last committed position "
                    + "(callbacks since then may be sent twice)", RESTART_PAUSE_MS, stopped);
            try {
                if (closing.await(RESTART_PAUSE_MS, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            synchronized (this) {
                if (!running) {
                    return;
                }
                try {
                    consumer = new KafkaConsumer<>(consumerProps);
                } catch (RuntimeException e) {
                    failure = e;
                    log.error("the callback notifier cannot make a new consumer; it stays down", e);
                    return;
                }
            }
        }
    }

    /** Follows with the current consumer and closes it; returns the error that stopped it, or null when closed. */
    private RuntimeException follow() {
        KafkaConsumer<String, byte[]> consumer = this.consumer;
        uncommitted = false;
        committedNs = System.nanoTime();
        // Each poll's callbacks end before the next poll, so whatever the consumer's position is, every record before
        // it has been called back: committing it, on revocation as at any other time, keeps delivery at least once.
        consumer.subscribe(List.of(HubTopics.TRANSFERS_EVENTS), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                commit(true);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }
        });
        RuntimeException stopped = null;
        try {
            int waits = 0;
            while (running) {
                var records = consumer.poll(Duration.ofMillis(100));
                restartingAfter = null;
                List<Notice> notices;
                try {
                    notices = read(records);
                    if (!records.isEmpty()) { // an empty poll says nothing of the records it waits for
                        waiting = null;
                        waits = 0;
                    }
                } catch (RegistryUnavailableException e) {
                    // none of this poll is sent: it is read again, from each partition's first record, after a pause
                    records.partitions().forEach(tp -> consumer.seek(tp, records.records(tp).getFirst().offset()));
                    waiting = e;
                    long pauseMs = RegistryUnavailableException.pauseMs(waits);
                    if (waits++ % 10 == 0) {
                        log.warn("callbacks wait for the schema registry ({} times in a row): {}", waits, e.getMessage());
                    }
                    Thread.sleep(pauseMs);
                    continue;
                }
                deliverAll(notices);
                uncommitted |= !records.isEmpty();
                // an offset commit is a write to the broker's __consumer_offsets log: one per interval, not per poll
                if (System.nanoTime() - committedNs >= COMMIT_INTERVAL_NS) {
                    commit(false);
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // what was polled and not called back must not be committed: a successor sends it
            stopped = e;
        } finally {
            if (stopped == null) {
                commit(true);
            }
            // leaves the group (a static member would keep its partitions for the session): another gateway's
            // notifier takes them over at once
            try {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5))
                        .withGroupMembershipOperation(
                                org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            } catch (RuntimeException e) { // a fenced member cannot leave: the group has already replaced it
                log.warn("the callback notifier's consumer did not close cleanly: {}", e.toString());
            }
        }
        return stopped;
    }

    /** The callbacks one transfer event asks for, and the position changes they wait for. */
    private record Notice(List<Callback> callbacks, List<String> positionChanges) {}

    /**
     * Decodes a poll. An event that cannot be read is skipped with a warning; one whose schema the registry cannot
     * give now throws {@link RegistryUnavailableException}, so the whole poll is read again rather than a callback lost.
     */
    private List<Notice> read(ConsumerRecords<String, byte[]> records) {
        List<Notice> notices = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> r : records) {
            try {
                TransferEventEnvelope event = events.decode(r.value());
                versions.learn(event.getPayload());
                List<Callback> callbacks = TransferNotifications.callbacksFor(event.getPayload(),
                        event.getMetadata().getRecordedAt());
                notices.add(new Notice(callbacks, callbacks.isEmpty() ? List.of()
                        : TransferNotifications.positionChanges(event.getPayload())));
            } catch (RegistryUnavailableException e) {
                throw e;
            } catch (RuntimeException e) {
                log.warn("skipping unreadable transfer event {}/{}/{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
            }
        }
        return notices;
    }

    /** Sends a poll's callbacks, within the bound on callbacks in flight, and returns once each has ended. */
    private void deliverAll(List<Notice> notices) {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (Notice n : notices) {
            CompletableFuture<Boolean> positioned = endpoints.positionsInclude(n.positionChanges(), positionWait);
            for (Callback c : n.callbacks()) {
                inFlight.acquireUninterruptibly();
                // not on the thread that completed the wait: that is the participants view's follower
                pending.add(positioned.thenComposeAsync(included -> {
                    if (!included) {
                        beforePositions.inc();
                    }
                    return deliver(c);
                }, positioned.isDone() ? Runnable::run : executor).whenComplete((v, e) -> inFlight.release()));
            }
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    }

    /**
     * Up while it calls participants back (or callbacks are off); down once it stopped for good, from a stop until its
     * new consumer has polled, and while it waits for the registry to read the transfer events that ask for callbacks.
     */
    public Health.Check check() {
        RuntimeException stopped = failure;
        if (stopped != null) {
            return Health.Check.down("stopped after restarting " + restarts + ": " + stopped);
        }
        RuntimeException replaced = restartingAfter;
        if (replaced != null) {
            return Health.Check.down("following again after: " + replaced);
        }
        RegistryUnavailableException w = waiting;
        return w == null ? Health.Check.up(consumer == null ? "callbacks off" : "following transfers.events")
                : Health.Check.down("waiting for the schema registry: " + w.getMessage());
    }

    /**
     * Commits the consumer's position if a record was polled since the last commit. An async commit that fails is
     * covered by the next one; at worst its callbacks are sent again after a crash.
     */
    private void commit(boolean sync) {
        if (!uncommitted) {
            return;
        }
        try {
            if (sync) {
                consumer.commitSync(Duration.ofSeconds(5));
            } else {
                consumer.commitAsync();
            }
            uncommitted = false;
            committedNs = System.nanoTime();
        } catch (RuntimeException e) {
            log.warn("could not commit the callbacks' offsets; those since the last commit will be sent again: {}", e.toString());
        }
    }

    /** Callbacks about {@code transferId} to {@code participant} go in the version its Content-Type or Accept names. */
    public void rememberVersion(String transferId, String participant, String contentTypeOrAccept) {
        versions.remember(transferId, participant, contentTypeOrAccept);
    }

    /**
     * Delivers a callback that no event caused (the answer to a GET), within the same bound on callbacks in flight
     * (false, and nothing sent, when the bound is reached), only when {@code answer} (which answers the request that
     * asked) runs the action it is given, once its answer is written: the asker hears the 202 before the callback.
     * The action runs at most once; it must run, written or not, or the bound keeps its place.
     */
    public boolean submitAfter(Callback c, java.util.function.Consumer<Runnable> answer) {
        if (!inFlight.tryAcquire()) {
            return false;
        }
        java.util.concurrent.atomic.AtomicBoolean sent = new java.util.concurrent.atomic.AtomicBoolean();
        answer.accept(() -> {
            if (sent.compareAndSet(false, true)) {
                // written is not yet read: a client on an event loop (Node.js, as Mojaloop's SDK and Testing Toolkit
                // are) may handle a callback that arrives with its 202 first; a short grace lets it read the 202
                retries.schedule(() -> deliver(c).whenComplete((v, e) -> inFlight.release()),
                        ANSWER_GRACE_MS, TimeUnit.MILLISECONDS);
            }
        });
        return true;
    }

    /** How long after its 202 is written the answer to a GET is sent. */
    static final long ANSWER_GRACE_MS = 50;

    /** Completes when the callback was answered 2xx or dead-lettered; never exceptionally. */
    private CompletableFuture<Void> deliver(Callback c) {
        var url = endpoints.callbackUrl(c.participant(), c.endpointType(), c.transferId());
        if (url.isEmpty()) {
            deadLetter(c, "participant " + c.participant() + " has no " + c.endpointType() + " endpoint");
            return CompletableFuture.completedFuture(null);
        }
        Outgoing out;
        try {
            out = outgoing(c);
        } catch (RuntimeException e) {
            deadLetter(c, "cannot make the request: " + e);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        attempt(c, out, url.get(), 1, done);
        return done;
    }

    /** Without mutual TLS, {@code https} endpoints are checked against the JDK's trusted authorities. */
    private static javax.net.ssl.SSLContext defaultTls() {
        try {
            return javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
    }

    /** A callback's headers and body as every attempt sends them. */
    private record Outgoing(Map<String, String> headers, byte[] body) {}

    /**
     * What is sent: a forwarded request as received; what the hub says itself, with the hub as its source and, when
     * the hub has a JWS key, signed over its body in the form Mojaloop's validators check (keys sorted, no spaces).
     */
    private Outgoing outgoing(Callback c) {
        // PATCH exists in FSPIOP 1.1 only; everything else the hub says goes in the version its party spoke
        String contentType = c.method().equals("PATCH") ? ContentVersions.V11 : versions.contentType(c.transferId(), c.participant());
        if (signingKey == null || c.asReceived() != null) {
            return new Outgoing(c.headers(contentType, hubName, date()), c.bodyBytes());
        }
        Callback own = c.from() == null ? c : new Callback(c.participant(), c.endpointType(), c.method(), c.transferId(),
                c.body());
        byte[] body = Jws.canonical(own.bodyBytes());
        Map<String, String> headers = own.headers(contentType, hubName, date());
        headers.put("FSPIOP-Signature", Jws.sign(signingKey, headers, body));
        return new Outgoing(headers, body);
    }

    /** One attempt; its answer schedules the next attempt or ends the callback. */
    private void attempt(Callback c, Outgoing out, String url, int attempt, CompletableFuture<Void> done) {
        String originKey;
        HttpClient.Origin origin;
        String target;
        try {
            URI uri = URI.create(url);
            String authority = uri.getRawAuthority();
            if (authority == null) {
                throw new IllegalArgumentException("no host in " + url);
            }
            originKey = uri.getScheme() + "://" + authority;
            origin = origins.computeIfAbsent(originKey, a -> HttpClient.Origin.of(uri));
            if (origins.size() > ORIGINS_CACHED_MAX) {
                origins.clear();
            }
            target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            out.headers().forEach(CallbackNotifier::checkHeader);
        } catch (RuntimeException e) {
            // a malformed URL, an unknown host, a name with a line break: the endpoint's fault, not worth a retry
            retries.execute(() -> {
                deadLetter(c, withRootCause(e) + " after 1 attempt");
                done.complete(null);
            });
            return;
        }
        // no Accept: a callback expects no body back, as a Mojaloop switch sends them
        http.send(origin, c.method(), target, out.headers(), out.body(), (status, body, failure) -> {
            if (status / 100 == 2) {
                delivered.inc();
                done.complete(null);
                return;
            }
            String reason = failure != null ? failure + " (" + url + ")" : "HTTP " + status + " from " + url;
            if (failure != null) {
                origins.remove(originKey); // resolve the name again next time: the address may have moved
            }
            // off the event loop: a dead letter is a Kafka send, which may block on metadata
            if (attempt < attemptsMax) {
                retried.inc();
                retries.schedule(() -> attempt(c, out, url, attempt + 1, done), backoff.toMillis() << (attempt - 1),
                        TimeUnit.MILLISECONDS);
            } else {
                retries.execute(() -> {
                    deadLetter(c, reason + " after " + attempt + " attempts");
                    done.complete(null);
                });
            }
        });
    }

    private static void checkHeader(String name, String value) {
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(name + " value with a line break");
        }
    }

    /** The Date header, formatted once per second rather than per callback. */
    private String date() {
        return dev.mizani.platform.http.HttpDates.ofEpochMillis(clock.millis());
    }

    /** An exception's own words and, when it wraps another, the innermost cause's: that one says why. */
    static String withRootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.toString() : e + " (" + root + ")";
    }

    private void deadLetter(Callback c, String reason) {
        deadLettered.inc();
        log.warn("callback {} {} to {} failed: {}", c.method(), c.transferId(), c.participant(), reason);
        RecordHeaders headers = new RecordHeaders();
        headers.add("mizani.dlq.reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("mizani.callback.participant", c.participant().getBytes(StandardCharsets.UTF_8));
        headers.add("mizani.callback.type", c.endpointType().getBytes(StandardCharsets.UTF_8));
        deadLetters.send(new ProducerRecord<>(HubTopics.CALLBACK_DEAD_LETTERS, null, c.transferId(),
                c.bodyBytes(), headers));
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            running = false;
        }
        if (thread != null) {
            closing.countDown(); // ends a pause before following again
            consumer.wakeup();
            thread.join(30_000);
        }
        if (http != null) {
            http.close();
        }
        retries.shutdownNow();
        deadLetters.close(Duration.ofSeconds(5));
        executor.shutdownNow();
    }
}
