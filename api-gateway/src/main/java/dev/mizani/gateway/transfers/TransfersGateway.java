package dev.mizani.gateway.transfers;

import dev.mizani.gateway.callbacks.Callback;
import dev.mizani.gateway.callbacks.CallbackNotifier;
import dev.mizani.gateway.callbacks.TransferNotifications;
import dev.mizani.gateway.fspiop.AnswerRequest;
import dev.mizani.gateway.fspiop.FspiopHeaders;
import dev.mizani.gateway.fspiop.FspiopRejection;
import dev.mizani.gateway.fspiop.PrepareRequest;
import dev.mizani.gateway.fspiop.ProtocolErrors;
import dev.mizani.gateway.fspiop.TransferBodies;
import dev.mizani.gateway.security.MutualTls;
import dev.mizani.gateway.security.ParticipantGuard;
import dev.mizani.platform.domain.FspiopError;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.projections.ReadQueries;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.common.CommandMetadata;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.AbortTransfer;
import dev.mizani.schemas.transfer.FulfilTransfer;
import dev.mizani.schemas.transfer.PrepareTransfer;
import dev.mizani.schemas.transfer.RejectTransfer;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import io.helidon.common.tls.TlsClientAuth;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FSPIOP v1.1 transfers resource: POST /transfers, PUT /transfers/{ID}, PUT /transfers/{ID}/error.
 * Every request is checked in full before anything is sent; a valid one becomes a command on
 * transfers.commands and is answered 202 only once the broker has acknowledged it. The gateway knows
 * only the Avro contract, none of the transfers context's code. Blocking handlers on virtual threads.
 */
public final class TransfersGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransfersGateway.class);
    private static final String CONTENT_TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    private static final Pattern TRANSFER_ID = Pattern.compile(
            "^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    /** Bodies beyond this never reach a handler; up to it the handler answers 413 with an FSPIOP error. */
    private static final long SERVER_PAYLOAD_BYTES_MAX = 1 << 20;

    private final AvroWireCodec<TransferCommandEnvelope> commands;
    private final KafkaProducer<String, byte[]> producer;
    private final Clock clock;
    private final Duration sendTimeout;
    private final WebServer server;
    private final ParticipantGuard guard;
    private final ReadQueries reads;
    private final CallbackNotifier callbacks;
    private final String scheme;
    /** This API's OpenAPI document, served as is at /openapi.yaml without a credential. */
    private static final byte[] OPENAPI = openApiDocument();

    /** @param mutualTls when present, the API is served over HTTPS to clients with a certificate it trusts only */
    public TransfersGateway(String host, int port, String bootstrap, CachedSchemaRegistry registry, ParticipantGuard guard,
                            Clock clock, Duration sendTimeout, ReadQueries reads, CallbackNotifier callbacks,
                            Optional<MutualTls> mutualTls) {
        this.scheme = mutualTls.isPresent() ? "https" : "http";
        this.guard = guard;
        this.reads = reads;
        this.callbacks = callbacks;
        this.commands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_COMMANDS),
                TransferCommandEnvelope.getClassSchema());
        this.producer = new KafkaProducer<>(KafkaClients.idempotentProducer(bootstrap, "api-gateway"));
        this.clock = clock;
        this.sendTimeout = sendTimeout;
        var server = WebServer.builder();
        mutualTls.ifPresent(m -> server.tls(tls -> tls.sslContext(m.sslContext()).clientAuth(TlsClientAuth.REQUIRED)));
        this.server = server
                .host(host)
                .port(port)
                .maxPayloadSize(SERVER_PAYLOAD_BYTES_MAX)
                .directHandlers(d -> ProtocolErrors.install(d, CONTENT_TYPE))
                .routing(r -> r
                        .post("/transfers", this::prepare)
                        .put("/transfers/{id}/error", this::error)
                        .put("/transfers/{id}", this::answer)
                        .get("/transfers/{id}", this::lookup)
                        .get("/openapi.yaml", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "application/yaml")
                                .send(OPENAPI))
                        .error(RuntimeException.class, (req, res, e) -> {
                            log.error("{} {} failed", req.prologue().method().text(), req.path().path(), e);
                            reject(res, new FspiopRejection(500, FspiopError.INTERNAL_SERVER_ERROR, "see the hub's log"));
                        }))
                .build();
    }

    public TransfersGateway start() {
        server.start();
        if (!server.isRunning()) { // Helidon logs a listener that cannot bind and returns, with no port
            producer.close(Duration.ZERO);
            throw new IllegalStateException("the FSPIOP transfers API cannot listen; see the listener's error above");
        }
        log.info("FSPIOP transfers API on {}://{}:{}", scheme, "127.0.0.1", server.port());
        return this;
    }

    public int port() {
        return server.port();
    }

    private void prepare(ServerRequest req, ServerResponse res) {
        FspiopHeaders headers = FspiopHeaders.of(headers(req));
        if (refused(req, res, headers, true)) {
            return;
        }
        switch (TransferBodies.prepare(body(req))) {
            case TransferBodies.Rejected<PrepareRequest> r -> reject(res, r.rejection());
            case TransferBodies.Valid<PrepareRequest> v -> {
                PrepareRequest p = v.request();
                if (!p.payerFsp().equals(headers.source())) {
                    reject(res, FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR,
                            "FSPIOP-Source " + headers.source() + " is not the payer " + p.payerFsp()));
                } else if (headers.destination() != null && !headers.destination().equals(p.payeeFsp())) {
                    reject(res, FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR,
                            "FSPIOP-Destination " + headers.destination() + " is not the payee " + p.payeeFsp()));
                } else {
                    send(res, p.transferId(), new PrepareTransfer(p.transferId(), p.payerFsp(), p.payeeFsp(), p.amount(),
                            p.currency(), p.ilpPacket(), p.condition(), p.expiration(), p.requestHash()));
                }
            }
        }
    }

    /**
     * GET /transfers/{ID}: 202, then the transfer's state as the read store holds it, as a callback to the
     * asker, who must be its payer or payee. The read store follows the events within milliseconds, so a
     * transfer prepared an instant ago may not be found yet (3208), as FSPIOP allows.
     */
    private void lookup(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        FspiopHeaders headers = FspiopHeaders.of(headers(req));
        if (refused(req, res, headers, false)) {
            return;
        }
        if (!TRANSFER_ID.matcher(id).matches()) {
            reject(res, FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR, "the transfer ID in the path must be a lower-case UUID"));
            return;
        }
        Callback answer;
        try {
            answer = TransferNotifications.lookup(headers.source(), id, reads.transfer(id));
        } catch (java.sql.SQLException e) {
            log.warn("read store unavailable for GET /transfers/{}: {}", id, e.toString());
            reject(res, new FspiopRejection(503, FspiopError.SERVICE_UNAVAILABLE, "the hub cannot read transfers now; retry"));
            return;
        }
        if (!callbacks.submit(answer)) {
            reject(res, new FspiopRejection(503, FspiopError.SERVICE_UNAVAILABLE, "too many callbacks in flight; retry"));
            return;
        }
        res.status(Status.ACCEPTED_202).send();
    }

    private void answer(ServerRequest req, ServerResponse res) {
        answered(req, res, TransferBodies.answer(body(req)));
    }

    private void error(ServerRequest req, ServerResponse res) {
        answered(req, res, TransferBodies.error(body(req)));
    }

    /** The payee's answers; whether the source is the payee is the transfer's own rule, judged by its decider. */
    private void answered(ServerRequest req, ServerResponse res, TransferBodies.Parsed<AnswerRequest> parsed) {
        String id = req.path().pathParameters().get("id");
        FspiopHeaders headers = FspiopHeaders.of(headers(req));
        if (refused(req, res, headers, true)) {
            return;
        }
        if (!TRANSFER_ID.matcher(id).matches()) {
            reject(res, FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR, "the transfer ID in the path must be a lower-case UUID"));
            return;
        }
        String source = headers.source();
        switch (parsed) {
            case TransferBodies.Rejected<AnswerRequest> r -> reject(res, r.rejection());
            case TransferBodies.Valid<AnswerRequest> v -> send(res, id, switch (v.request()) {
                case AnswerRequest.Fulfil f -> new FulfilTransfer(id, source, f.fulfilment(), f.requestHash(), f.payeeAskedForCommit());
                case AnswerRequest.Abort a -> new AbortTransfer(id, source, a.requestHash());
                case AnswerRequest.Reject r -> new RejectTransfer(id, source, r.errorCode(), r.errorDescription(), r.requestHash());
            });
        }
    }

    /** Headers well-formed, caller authenticated as FSPIOP-Source and within its rate; else answered here. */
    private boolean refused(ServerRequest req, ServerResponse res, FspiopHeaders headers, boolean hasBody) {
        var bad = headers.check(hasBody);
        if (bad.isPresent()) {
            reject(res, bad.get());
            return true;
        }
        var refusal = guard.admit(headers.source(), req.headers().first(HeaderNames.AUTHORIZATION).orElse(null),
                req.remotePeer().tlsCertificates().flatMap(MutualTls::participantOf));
        if (refusal.isPresent()) {
            if (refusal.get().retryAfterSeconds() > 0) {
                res.header(HeaderNames.RETRY_AFTER, Long.toString(refusal.get().retryAfterSeconds()));
            }
            reject(res, refusal.get().rejection());
            return true;
        }
        return false;
    }

    /** 202 once the command is durably in Kafka; 503 when the broker does not acknowledge in time. */
    private void send(ServerResponse res, String transferId, SpecificRecord command) {
        CommandMetadata metadata = new CommandMetadata(UUID.randomUUID().toString(), transferId, null, clock.instant());
        byte[] value = commands.encode(new TransferCommandEnvelope(metadata, command));
        try {
            producer.send(new ProducerRecord<>(HubTopics.TRANSFERS_COMMANDS, transferId, value))
                    .get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
            res.status(Status.ACCEPTED_202).send();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("command for transfer {} not acknowledged: {}", transferId, e.toString());
            reject(res, new FspiopRejection(503, FspiopError.SERVICE_UNAVAILABLE, "the hub could not record the request; retry"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reject(res, new FspiopRejection(503, FspiopError.SERVICE_UNAVAILABLE, "interrupted"));
        }
    }

    private static void reject(ServerResponse res, FspiopRejection rejection) {
        res.status(Status.create(rejection.httpStatus()))
                .header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE)
                .send(rejection.toJson());
    }

    /** The request's bytes; a request without an entity has none (Helidon refuses to read an absent entity). */
    public static byte[] body(ServerRequest req) {
        return req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
    }

    private static Map<String, List<String>> headers(ServerRequest req) {
        Map<String, List<String>> out = new HashMap<>();
        for (Header h : req.headers()) {
            out.put(h.name(), h.allValues());
        }
        return out;
    }

    @Override
    public void close() {
        server.stop();
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
