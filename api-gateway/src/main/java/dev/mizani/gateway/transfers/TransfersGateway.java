package dev.mizani.gateway.transfers;

import dev.mizani.platform.health.Health;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.gateway.callbacks.Callback;
import dev.mizani.gateway.callbacks.CallbackNotifier;
import dev.mizani.gateway.callbacks.TransferNotifications;
import dev.mizani.gateway.fspiop.AnswerRequest;
import dev.mizani.gateway.fspiop.CompletedTimestampWindow;
import dev.mizani.gateway.fspiop.FspiopFormats;
import dev.mizani.gateway.fspiop.FspiopHeaders;
import dev.mizani.gateway.fspiop.FspiopRejection;
import dev.mizani.gateway.fspiop.PrepareRequest;
import dev.mizani.gateway.fspiop.ProtocolErrors;
import dev.mizani.gateway.fspiop.TransferBodies;
import dev.mizani.gateway.security.Jws;
import dev.mizani.gateway.security.MutualTls;
import dev.mizani.gateway.security.ParticipantGuard;
import dev.mizani.platform.domain.FspiopError;
import dev.mizani.platform.http.HttpServer;
import dev.mizani.platform.http.HttpServer.Reply;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.common.CommandMetadata;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import dev.mizani.schemas.transfer.AbortTransfer;
import dev.mizani.schemas.transfer.FulfilTransfer;
import dev.mizani.schemas.transfer.PrepareTransfer;
import dev.mizani.schemas.transfer.RejectTransfer;
import dev.mizani.schemas.transfer.RequestAsReceived;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FSPIOP v1.1 transfers resource: POST /transfers, PUT /transfers/{ID}, PUT /transfers/{ID}/error.
 * Every request is checked in full before anything is sent; a valid one becomes a command on
 * transfers.commands and is answered 202 only once the broker has acknowledged it. The gateway knows
 * only the Avro contract, none of the transfers context's code. One {@link HttpServer} on Netty carries it, plain
 * or with mutual TLS, and answers from the producer's callback: no thread waits for the broker.
 */
public final class TransfersGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransfersGateway.class);
    private static final String CONTENT_TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    /**
     * The server's bounds: connections, request head and body, time to send a request, idle keep-alive. A body up to
     * BODY_BYTES_MAX gets the body parser's own 413 (3104); beyond it the server refuses it (unread when its length is
     * declared), with the same error. Connections × (head + body) bounds what clients can make the server hold:
     * about 350 MB.
     */
    private static final int CONNECTIONS_MAX = 4_096;
    private static final int HEAD_BYTES_MAX = 16 * 1024;
    private static final int BODY_BYTES_MAX = 64 * 1024;
    private static final long REQUEST_TIMEOUT_MS = 30_000;
    private static final long IDLE_TIMEOUT_MS = 300_000;

    private static final Reply ACCEPTED = new Reply(202, null, null, null);
    /** A payee's answer (PUT /transfers/{ID}, PUT /transfers/{ID}/error) recorded: FSPIOP v1.1 answers 200, as Mojaloop does. */
    private static final Reply ANSWER_RECORDED = new Reply(200, null, null, null);
    private static final Reply BAD_ID = reject(FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR,
            "the transfer ID in the path must be a lower-case UUID or a ULID"));
    private static final Reply UNRECORDED = reject(new FspiopRejection(503, FspiopError.SERVICE_UNAVAILABLE,
            "the hub could not record the request; retry"));

    private final AvroWireCodec<TransferCommandEnvelope> commands;
    private final KafkaProducer<String, byte[]> producer;
    private final Clock clock;
    private final Duration sendTimeout;
    private final HttpServer server;
    private final ParticipantGuard guard;
    private final TransferStates states;
    private final CallbackNotifier callbacks;
    private final Answers answers;
    private final CompletedTimestampWindow completedWindow;
    /** The hub's own participant name: never a party to a transfer. */
    private final String hubName;
    /** The participants' signature keys when the gateway verifies FSPIOP signatures, else null. */
    private final Function<String, PublicKey> jwsKeys;
    private final String scheme;
    private final Health health;
    private final Supplier<String> unavailable;
    /** This API's OpenAPI document, served as is at /openapi.yaml without a credential. */
    private static final Reply OPENAPI = new Reply(200, "application/yaml", openApiDocument(), null);

    /**
     * How long the producer of commands waits to fill a produce request, by default. Each request is one record,
     * and the broker's cost is per produce request far more than per record: at 1 ms the gateway sent a request
     * every millisecond or so at 2,000 transfers/s, and produce requests were most of the broker's handler time.
     */
    public static final int COMMAND_LINGER_MS_DEFAULT = 5;

    /**
     * @param mutualTls       when present, the API is served over HTTPS to clients with a certificate it trusts only
     * @param commandLingerMs how long the producer of commands waits to fill a produce request (0 to 100 ms); each
     *                        accepted request waits for its command's acknowledgement, so this adds to its latency
     * @param completedWindow how far a fulfil's completedTimestamp may be from the hub's clock before it is refused
     * @param metrics         where the answers are counted, by route and status
     */
    public TransfersGateway(String host, int port, String bootstrap, CachedSchemaRegistry registry, ParticipantGuard guard,
                            Clock clock, Duration sendTimeout, TransferStates states, CallbackNotifier callbacks,
                            Optional<MutualTls> mutualTls, int commandLingerMs,
                            CompletedTimestampWindow completedWindow, Function<String, PublicKey> jwsKeys, String hubName,
                            Metrics metrics, Health health, Supplier<String> unavailable) {
        this.answers = new Answers(metrics);
        this.hubName = hubName;
        this.jwsKeys = jwsKeys;
        this.completedWindow = completedWindow;
        this.health = health;
        this.unavailable = unavailable;
        if (commandLingerMs < 0 || commandLingerMs > 100) {
            throw new IllegalArgumentException("the command producer's linger is 0 to 100 ms, got " + commandLingerMs);
        }
        this.scheme = mutualTls.isPresent() ? "https" : "http";
        this.guard = guard;
        this.states = states;
        this.callbacks = callbacks;
        this.commands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_COMMANDS),
                TransferCommandEnvelope.getClassSchema());
        this.clock = clock;
        this.sendTimeout = sendTimeout;
        // the producer never blocks the event loop for long: past this, a send fails and is answered 503
        Map<String, Object> producerSettings = commandProducer(bootstrap, commandLingerMs);
        producerSettings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(sendTimeout.toMillis(), 1_000L));
        this.producer = new KafkaProducer<>(producerSettings);
        var settings = new HttpServer.Settings("fspiop-http", host, port, 1, CONNECTIONS_MAX, HEAD_BYTES_MAX,
                BODY_BYTES_MAX, REQUEST_TIMEOUT_MS, sendTimeout.toMillis(), IDLE_TIMEOUT_MS, null);
        try {
            this.server = new HttpServer(mutualTls.map(m -> settings.withMutualTls(m.sslContext())).orElse(settings),
                    this::route, TransfersGateway::refusal);
        } catch (java.io.IOException e) {
            producer.close(Duration.ZERO);
            throw new IllegalStateException("the FSPIOP transfers API cannot listen: " + e.getMessage(), e);
        }
        HttpServer served = server;
        metrics.gauge("mizani_gateway_connections", "Connections open to the FSPIOP transfers API (at most "
                + CONNECTIONS_MAX + ")", served::connections);
    }

    private static Map<String, Object> commandProducer(String bootstrap, int lingerMs) {
        Map<String, Object> settings = new HashMap<>(KafkaClients.idempotentProducer(bootstrap, "api-gateway"));
        settings.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        return settings;
    }

    public TransfersGateway start() {
        log.info("FSPIOP transfers API on {}://{}:{}", scheme, "127.0.0.1", server.port());
        return this;
    }

    public int port() {
        return server.port();
    }

    /** One FSPIOP call as the server hands it over: the path's ID (or null), headers, identity and body. */
    private record Call(String id, Map<String, List<String>> headers, String authorization, Optional<String> certified,
                        byte[] body) {}

    private void prepare(Call call, Consumer<Reply> reply) {
        FspiopHeaders headers = FspiopHeaders.of(call.headers());
        Reply refused = refused(call, headers, true);
        if (refused != null) {
            reply.accept(refused);
            return;
        }
        switch (TransferBodies.prepare(call.body())) {
            case TransferBodies.Rejected<PrepareRequest> r -> reply.accept(reject(r.rejection()));
            case TransferBodies.Valid<PrepareRequest> v -> {
                PrepareRequest p = v.request();
                if (!p.payerFsp().equals(headers.source())) {
                    reply.accept(reject(FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR,
                            "FSPIOP-Source " + headers.source() + " is not the payer " + p.payerFsp())));
                } else if (p.payeeFsp().equals(hubName)) {
                    reply.accept(reject(FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR,
                            "the hub " + hubName + " is not a payee")));
                } else if (headers.destination() != null && !headers.destination().equals(p.payeeFsp())) {
                    reply.accept(reject(FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR,
                            "FSPIOP-Destination " + headers.destination() + " is not the payee " + p.payeeFsp())));
                } else {
                    send(p.transferId(), new PrepareTransfer(p.transferId(), p.payerFsp(), p.payeeFsp(), p.amount(),
                            p.currency(), p.ilpPacket(), p.condition(), p.expiration(), p.requestHash(),
                            asReceived(call, headers)), reply, ACCEPTED);
                }
            }
        }
    }

    /**
     * GET /transfers/{ID}: the transfer's state as its own stream holds it (the command side's decisions, never
     * behind a callback already sent), as a callback to the asker, who must be its payer or payee. The callback goes
     * out 50 ms after the 202 is written, so the asker has its answer first (a callback racing it confused Mojaloop's
     * Testing Toolkit). Blocks on the event store.
     */
    private void lookup(Call call, Consumer<Reply> reply) {
        FspiopHeaders headers = FspiopHeaders.of(call.headers());
        Reply refused = refused(call, headers, false);
        if (refused != null) {
            reply.accept(refused);
            return;
        }
        if (!FspiopFormats.isTransferId(call.id())) {
            reply.accept(BAD_ID);
            return;
        }
        Callback answer;
        try {
            answer = TransferNotifications.lookup(headers.source(), call.id(), states.of(call.id()));
        } catch (java.sql.SQLException | RegistryUnavailableException e) {
            log.warn("event store or schema registry unavailable for GET /transfers/{}: {}", call.id(), e.toString());
            reply.accept(reject(new FspiopRejection(503, FspiopError.SERVICE_UNAVAILABLE, "the hub cannot read transfers now; retry")));
            return;
        }
        String accept = headers.header("Accept");
        callbacks.rememberVersion(call.id(), headers.source(), accept != null ? accept : headers.header("Content-Type"));
        if (!callbacks.submitAfter(answer, send -> reply.accept(ACCEPTED.whenWritten(send)))) {
            reply.accept(reject(new FspiopRejection(503, FspiopError.SERVICE_UNAVAILABLE, "too many callbacks in flight; retry")));
        }
    }

    private void answer(Call call, Consumer<Reply> reply) {
        answered(call, TransferBodies.answer(call.body()), reply);
    }

    private void error(Call call, Consumer<Reply> reply) {
        answered(call, TransferBodies.error(call.body()), reply);
    }

    /** The payee's answers; whether the source is the payee is the transfer's own rule, judged by its decider. */
    private void answered(Call call, TransferBodies.Parsed<AnswerRequest> parsed, Consumer<Reply> reply) {
        String id = call.id();
        FspiopHeaders headers = FspiopHeaders.of(call.headers());
        Reply refused = refused(call, headers, true);
        if (refused != null) {
            reply.accept(refused);
            return;
        }
        if (!FspiopFormats.isTransferId(id)) {
            reply.accept(BAD_ID);
            return;
        }
        String source = headers.source();
        switch (parsed) {
            case TransferBodies.Rejected<AnswerRequest> r -> reply.accept(reject(r.rejection()));
            case TransferBodies.Valid<AnswerRequest> v -> {
                if (v.request() instanceof AnswerRequest.Fulfil f) {
                    var outOfWindow = completedWindow.check(f.completedTimestamp(), clock.instant());
                    if (outOfWindow.isPresent()) {
                        reply.accept(reject(outOfWindow.get()));
                        return;
                    }
                    if (f.payeeAskedForCommit() && "1.0".equals(headers.contentVersion())) {
                        // FSPIOP 1.0 has no RESERVED answer: as Mojaloop does, it is acknowledged and not acted on,
                        // and the transfer expires unless the payee answers again with COMMITTED
                        log.info("transfer {}: {} answered RESERVED under FSPIOP 1.0, which only 1.1 defines; not recorded",
                                id, source);
                        reply.accept(ANSWER_RECORDED);
                        return;
                    }
                }
                send(id, switch (v.request()) {
                    // the payee's COMMITTED answer is forwarded to the payer as it came; a RESERVED one is not (the
                    // payer is told COMMITTED, in the hub's words)
                    case AnswerRequest.Fulfil f -> new FulfilTransfer(id, source, f.fulfilment(), f.requestHash(),
                            f.payeeAskedForCommit(), f.payeeAskedForCommit() ? null : asReceived(call, headers),
                            headers.destination());
                    case AnswerRequest.Abort a -> new AbortTransfer(id, source, a.requestHash());
                    case AnswerRequest.Reject r -> new RejectTransfer(id, source, r.errorCode(), r.errorDescription(),
                            r.requestHash(), asReceived(call, headers));
                }, reply, ANSWER_RECORDED);
            }
        }
    }

    /** The request's body and FSPIOP headers as they came, for the callback that forwards it. */
    private static RequestAsReceived asReceived(Call call, FspiopHeaders headers) {
        return new RequestAsReceived(ByteBuffer.wrap(call.body()), headers.forwarded());
    }

    /**
     * Headers well-formed, caller authenticated as FSPIOP-Source and within its rate, and (when the hub verifies
     * signatures) a request with a body signed by it; else the refusal, else null.
     */
    private Reply refused(Call call, FspiopHeaders headers, boolean hasBody) {
        var bad = headers.check(hasBody);
        if (bad.isPresent()) {
            return reject(bad.get());
        }
        var refusal = guard.admit(headers.source(), call.authorization(), call.certified());
        if (refusal.isEmpty() && hasBody && jwsKeys != null) {
            var invalid = Jws.verify(headers::header, call.body(), jwsKeys);
            if (invalid.isPresent()) {
                return reject(FspiopRejection.badRequest(FspiopError.INVALID_SIGNATURE, invalid.get().reason()));
            }
        }
        if (refusal.isPresent()) {
            long retryAfter = refusal.get().retryAfterSeconds();
            Reply r = reject(refusal.get().rejection());
            return retryAfter <= 0 ? r : new Reply(r.status(), r.contentType(), r.body(),
                    Map.of("Retry-After", Long.toString(retryAfter)));
        }
        return null;
    }

    /**
     * 202 once the command is durably in Kafka; 503 when the broker refuses it, or when nothing could commit it now
     * (the database away, a handler down): a prepare accepted then would only expire. The wait is the server's.
     */
    private void send(String transferId, SpecificRecord command, Consumer<Reply> reply, Reply recorded) {
        String why = unavailable.get();
        if (why != null) {
            reply.accept(reject(new FspiopRejection(503, FspiopError.SERVICE_UNAVAILABLE, why + "; retry")));
            return;
        }
        CommandMetadata metadata = new CommandMetadata(commandId(), transferId, null, clock.instant());
        byte[] value = commands.encode(new TransferCommandEnvelope(metadata, command));
        try {
            producer.send(new ProducerRecord<>(HubTopics.TRANSFERS_COMMANDS, transferId, value), (md, e) -> {
                if (e == null) {
                    reply.accept(recorded);
                } else {
                    log.warn("command for transfer {} not acknowledged: {}", transferId, e.toString());
                    reply.accept(UNRECORDED);
                }
            });
        } catch (RuntimeException e) { // a producer closing, or one that cannot reach the broker within max.block.ms
            log.warn("command for transfer {} not sent: {}", transferId, e.toString());
            reply.accept(UNRECORDED);
        }
    }

    /**
     * A version-4 UUID naming one client command. It must be unique within its transfer's stream, not unguessable
     * (duplicates are found by request hash), so it comes from the thread's generator: the SecureRandom behind
     * {@code UUID.randomUUID()} took 3% of the gateway thread at 1,800 transfers/s.
     */
    private static String commandId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID((random.nextLong() & ~0xF000L) | 0x4000L,
                (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L).toString();
    }

    private static Reply reject(FspiopRejection rejection) {
        return new Reply(rejection.httpStatus(), CONTENT_TYPE, rejection.toJson().getBytes(StandardCharsets.UTF_8), null);
    }

    /** The server's own refusals (framing, bounds, timeouts): FSPIOP errors. */
    private static Reply refusal(int status, String reason) {
        return reject(ProtocolErrors.of(status, reason));
    }

    /** Routes on the event loop; only GET, which reads the event store, moves to a virtual thread. */
    private void route(HttpServer.Request r, HttpServer.Exchange x) {
        long arrivedNs = System.nanoTime();
        String path = r.path();
        String method = r.method();
        if (path.equals("/transfers")) {
            if (method.equals("POST")) {
                prepare(call(r, null), reply -> x.reply(answers.count(Answers.PREPARE, arrivedNs, reply)));
                return;
            }
        } else if (path.startsWith("/transfers/") && path.length() > "/transfers/".length()) {
            String rest = path.substring("/transfers/".length());
            int slash = rest.indexOf('/');
            if (slash < 0 && method.equals("PUT")) {
                answer(call(r, rest), reply -> x.reply(answers.count(Answers.ANSWER, arrivedNs, reply)));
                return;
            }
            if (slash < 0 && method.equals("GET")) {
                Call call = call(r, rest);
                Thread.ofVirtual().name("transfer-lookup").start(() -> lookup(call, reply -> x.reply(answers.count(Answers.LOOKUP, arrivedNs, reply))));
                return;
            }
            if (slash > 0 && rest.substring(slash).equals("/error") && method.equals("PUT")) {
                error(call(r, rest.substring(0, slash)), reply -> x.reply(answers.count(Answers.ERROR, arrivedNs, reply)));
                return;
            }
        } else if (path.equals("/openapi.yaml") && (method.equals("GET") || method.equals("HEAD"))) {
            x.reply(answers.count(Answers.OTHER, OPENAPI));
            return;
        } else if (Health.PATHS.contains(path) && method.equals("GET")) {
            // the checks may ask the database: off the event loop
            Thread.ofVirtual().name("health").start(() -> x.reply(answers.count(Answers.OTHER, health(path))));
            return;
        }
        x.reply(answers.count(Answers.OTHER, refusal(404, "no resource " + method + " " + path)));
    }

    /** The process's health, as every API serves it: 200 when every check is up, else 503. */
    private Reply health(String path) {
        Health.Report report = health.probe(path);
        return new Reply(report.httpStatus(), "application/json", report.toJson().getBytes(StandardCharsets.UTF_8), null);
    }

    private static Call call(HttpServer.Request r, String id) {
        Optional<String> certified = r.peerCertificates() == null ? Optional.empty()
                : MutualTls.participantOf(r.peerCertificates());
        return new Call(id, r.headers(), r.header("Authorization"), certified, r.body());
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** The OpenAPI document on the classpath; the build fails without it, so its absence is a packaging defect. */
    public static byte[] openApiDocument() {
        try (var in = TransfersGateway.class.getResourceAsStream("/openapi/transfers.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi/transfers.yaml is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
