package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mizani.gateway.callbacks.Callback;
import dev.mizani.gateway.callbacks.CallbackNotifier;
import dev.mizani.gateway.callbacks.ParticipantEndpoints;
import dev.mizani.gateway.transfers.TransfersGateway;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.HubTopics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Callbacks over real HTTP: DFSPs with registered endpoints receive the forwarded prepare, the commit
 * and the errors, with FSPIOP headers; an undeliverable callback is dead-lettered with its reason.
 */
class CallbacksEndToEndTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String PAYER = "cb-payer-" + RUN;
    private static final String PAYEE = "cb-payee-" + RUN;
    private static final String SILENT = "cb-silent-" + RUN;
    private static final String TYPE = "application/vnd.interoperability.transfers+json;version=1.1";

    record Received(String method, String path, String body, String source, String destination, String date) {}

    private static HubFixture f;
    private static TransfersGateway gateway;
    private static ParticipantEndpoints endpoints;
    private static CallbackNotifier notifier;
    private static final List<Received> atPayer = new CopyOnWriteArrayList<>();
    private static final List<Received> atPayee = new CopyOnWriteArrayList<>();
    private static HttpServer payerServer;
    private static HttpServer payeeServer;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        f = new HubFixture(ProcessorHooks.NONE);
        payerServer = dfsp(atPayer);
        payeeServer = dfsp(atPayee);
        f.onboard(PAYER, 1_000_000, 1_000_000);
        f.onboard(PAYEE, 1_000_000, 1_000_000);
        f.onboard(SILENT, 1_000_000, 1_000_000);
        register(PAYER, payerServer);
        register(PAYEE, payeeServer);
        f.flush();
        f.awaitDirectoryKnows(PAYER, PAYEE, SILENT);
        gateway = new TransfersGateway("127.0.0.1", 0, f.infra.bootstrap(), f.infra.registry, Clock.systemUTC(),
                Duration.ofSeconds(10)).start();
        endpoints = new ParticipantEndpoints(f.infra.bootstrap(), f.infra.registry);
        notifier = new CallbackNotifier(f.infra.bootstrap(), f.infra.registry, endpoints, Clock.systemUTC(), 64, 2,
                Duration.ofMillis(50));
        Await.until(HubFixture.BOUND, "endpoints known", () -> endpoints.url(PAYEE, Callback.ERROR, "x").isPresent()
                && endpoints.url(PAYER, Callback.ERROR, "x").isPresent());
    }

    @AfterAll
    static void stop() throws Exception {
        notifier.close();
        endpoints.close();
        gateway.close();
        payerServer.stop(0);
        payeeServer.stop(0);
        f.close();
    }

    private static HttpServer dfsp(List<Received> inbox) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", exchange -> {
            var h = exchange.getRequestHeaders();
            inbox.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    h.getFirst("FSPIOP-Source"), h.getFirst("FSPIOP-Destination"), h.getFirst("Date")));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static void register(String participant, HttpServer server) {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        f.participantCommand(new ParticipantCommand.SetCallbackEndpoint(participant, Callback.POST, base + "/transfers"));
        f.participantCommand(new ParticipantCommand.SetCallbackEndpoint(participant, Callback.PUT,
                base + "/transfers/{{transferId}}"));
        f.participantCommand(new ParticipantCommand.SetCallbackEndpoint(participant, Callback.ERROR,
                base + "/transfers/{{transferId}}/error"));
    }

    private static HttpResponse<String> call(String method, String path, String source, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Content-Type", TYPE).header("Accept", TYPE).header("FSPIOP-Source", source)
                .header("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String[] prepare(String payer, String payee, String amount) throws Exception {
        byte[] preimage = new byte[32];
        ThreadLocalRandom.current().nextBytes(preimage);
        String id = UUID.randomUUID().toString();
        String expiration = DateTimeFormatter.ISO_INSTANT.format(Instant.now().plusSeconds(30).truncatedTo(ChronoUnit.SECONDS))
                .replace("Z", ".000Z");
        String body = """
                {"transferId":"%s","payerFsp":"%s","payeeFsp":"%s","amount":{"amount":"%s","currency":"USD"},
                 "ilpPacket":"AYIBgQAAAAAAAASw","condition":"%s","expiration":"%s"}"""
                .formatted(id, payer, payee, amount, b64(MessageDigest.getInstance("SHA-256").digest(preimage)), expiration);
        assertThat(call("POST", "/transfers", payer, body).statusCode()).isEqualTo(202);
        return new String[] {id, b64(preimage)};
    }

    /** The callback for this transfer: by path for PUTs, by the transfer id in the body for the forwarded POST. */
    private static Received awaitAt(List<Received> inbox, String method, String path, String transferId) {
        java.util.function.Predicate<Received> match = r -> r.method().equals(method) && r.path().equals(path)
                && (path.contains(transferId) || r.body().contains(transferId));
        Await.until(HubFixture.BOUND, method + " " + path + " for " + transferId, () -> inbox.stream().anyMatch(match));
        return inbox.stream().filter(match).findFirst().orElseThrow();
    }

    @Test
    void thePayeeGetsThePrepareAndThePayerTheCommit() throws Exception {
        String[] t = prepare(PAYER, PAYEE, "12.5");
        Received forwarded = awaitAt(atPayee, "POST", "/transfers", t[0]);
        assertThat(forwarded.body()).contains(t[0]).contains("\"amount\":\"12.5\"").contains("\"ilpPacket\":\"AYIBgQAAAAAAAASw\"");
        assertThat(forwarded.source()).isEqualTo("hub");
        assertThat(forwarded.destination()).isEqualTo(PAYEE);
        assertThat(forwarded.date()).isNotBlank();

        String fulfil = "{\"fulfilment\":\"" + t[1] + "\",\"transferState\":\"COMMITTED\"}";
        assertThat(call("PUT", "/transfers/" + t[0], PAYEE, fulfil).statusCode()).isEqualTo(202);
        Received committed = awaitAt(atPayer, "PUT", "/transfers/" + t[0], t[0]);
        assertThat(committed.body()).contains("\"transferState\":\"COMMITTED\"").contains(t[1]);
    }

    @Test
    void aRejectReachesBothWithThePayeesError() throws Exception {
        String[] t = prepare(PAYER, PAYEE, "3");
        awaitAt(atPayee, "POST", "/transfers", t[0]);
        String error = "{\"errorInformation\":{\"errorCode\":\"5100\",\"errorDescription\":\"no such account\"}}";
        assertThat(call("PUT", "/transfers/" + t[0] + "/error", PAYEE, error).statusCode()).isEqualTo(202);
        assertThat(awaitAt(atPayer, "PUT", "/transfers/" + t[0] + "/error", t[0]).body()).contains("\"errorCode\":\"5100\"");
        assertThat(awaitAt(atPayee, "PUT", "/transfers/" + t[0] + "/error", t[0]).body()).contains("\"errorCode\":\"5100\"");
    }

    @Test
    void aCallbackWithNowhereToGoIsDeadLetteredWithItsReason() throws Exception {
        String[] t = prepare(SILENT, PAYEE, "0.5");
        awaitAt(atPayee, "POST", "/transfers", t[0]);
        String error = "{\"errorInformation\":{\"errorCode\":\"5100\",\"errorDescription\":\"no\"}}";
        assertThat(call("PUT", "/transfers/" + t[0] + "/error", PAYEE, error).statusCode()).isEqualTo(202);
        awaitAt(atPayee, "PUT", "/transfers/" + t[0] + "/error", t[0]);
        Await.until(HubFixture.BOUND, "the silent payer's error callback dead-lettered", () -> TopicReader.readAll(
                f.infra.bootstrap(), HubTopics.CALLBACK_DEAD_LETTERS, 1, Duration.ofSeconds(5), Duration.ofMillis(200))
                .stream().anyMatch(r -> t[0].equals(r.key()) && new String(r.headers().lastHeader("mizani.dlq.reason")
                        .value(), StandardCharsets.UTF_8).equals("participant " + SILENT
                        + " has no FSPIOP_CALLBACK_URL_TRANSFER_ERROR endpoint")));
        assertThat(atPayer).noneMatch(r -> r.path().contains(t[0]));
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
