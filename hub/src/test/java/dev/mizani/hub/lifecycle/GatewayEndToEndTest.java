package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.gateway.transfers.TransfersGateway;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferReserved;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The FSPIOP transfers resource over real HTTP into the running hub: 202 only when recorded, 4xx with errorInformation otherwise. */
class GatewayEndToEndTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String PAYER = "gw-payer-" + RUN;
    private static final String PAYEE = "gw-payee-" + RUN;
    private static final String TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    private static HubFixture f;
    private static TransfersGateway gateway;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        f = new HubFixture(ProcessorHooks.NONE);
        f.onboard(PAYER, 1_000_000, 1_000_000);
        f.onboard(PAYEE, 1_000_000, 1_000_000);
        f.awaitDirectoryKnows(PAYER, PAYEE);
        gateway = new TransfersGateway("127.0.0.1", 0, f.infra.bootstrap(), f.infra.registry, Clock.systemUTC(),
                Duration.ofSeconds(10)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        f.close();
    }

    private static HttpResponse<String> call(String method, String path, String source, String contentType, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Content-Type", contentType)
                .header("Accept", TYPE)
                .header("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)))
                .header("FSPIOP-Source", source)
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Prepared(String id, String fulfilment, String body) {}

    private static Prepared prepareBody(String amount) throws Exception {
        byte[] preimage = new byte[32];
        ThreadLocalRandom.current().nextBytes(preimage);
        String id = UUID.randomUUID().toString();
        String condition = b64(MessageDigest.getInstance("SHA-256").digest(preimage));
        String expiration = DateTimeFormatter.ISO_INSTANT.format(Instant.now().plusSeconds(30).truncatedTo(ChronoUnit.SECONDS))
                .replace("Z", ".000Z");
        String body = """
                {"transferId":"%s","payerFsp":"%s","payeeFsp":"%s","amount":{"amount":"%s","currency":"USD"},
                 "ilpPacket":"AYIBgQAAAAAAAASw","condition":"%s","expiration":"%s"}"""
                .formatted(id, PAYER, PAYEE, amount, condition, expiration);
        return new Prepared(id, b64(preimage), body);
    }

    @Test
    void prepareAndFulfilOverHttpCommit() throws Exception {
        Prepared p = prepareBody("25.5");
        assertThat(call("POST", "/transfers", PAYER, TYPE, p.body()).statusCode()).isEqualTo(202);
        f.awaitEvent(p.id(), TransferReserved.class);
        String fulfil = """
                {"fulfilment":"%s","completedTimestamp":"2026-11-21T12:00:00.000Z","transferState":"COMMITTED"}"""
                .formatted(p.fulfilment());
        assertThat(call("PUT", "/transfers/" + p.id(), PAYEE, TYPE, fulfil).statusCode()).isEqualTo(202);
        assertThat(f.awaitEvent(p.id(), TransferCommitted.class).getAmountMinor()).isEqualTo(2_550);
    }

    @Test
    void aPayeeErrorOverHttpAbortsWithItsCode() throws Exception {
        Prepared p = prepareBody("1");
        assertThat(call("POST", "/transfers", PAYER, TYPE, p.body()).statusCode()).isEqualTo(202);
        f.awaitEvent(p.id(), TransferReserved.class);
        String error = """
                {"errorInformation":{"errorCode":"5100","errorDescription":"Payee rejected"}}""";
        assertThat(call("PUT", "/transfers/" + p.id() + "/error", PAYEE, TYPE, error).statusCode()).isEqualTo(202);
        assertThat(f.awaitEvent(p.id(), TransferAborted.class).getErrorCode()).isEqualTo(5100);
    }

    @Test
    void badRequestsGetAnFspiopErrorAndNothingReachesKafka() throws Exception {
        Prepared overScale = prepareBody("1.005");
        HttpResponse<String> r = call("POST", "/transfers", PAYER, TYPE, overScale.body());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("\"errorCode\":\"3100\"").contains("has 3 decimals");

        Prepared impostor = prepareBody("1");
        HttpResponse<String> wrongSource = call("POST", "/transfers", PAYEE, TYPE, impostor.body());
        assertThat(wrongSource.statusCode()).isEqualTo(400);
        assertThat(wrongSource.body()).contains("is not the payer");

        HttpResponse<String> json = call("POST", "/transfers", PAYER, "application/json", prepareBody("1").body());
        assertThat(json.statusCode()).isEqualTo(415);

        HttpResponse<String> truncated = call("POST", "/transfers", PAYER, TYPE, "{\"transferId\":");
        assertThat(truncated.statusCode()).isEqualTo(400);
        assertThat(truncated.body()).contains("\"errorCode\":\"3101\"");

        assertThat(TopicReader.readAll(f.infra.bootstrap(), HubTopics.TRANSFERS_COMMANDS, 0, Duration.ofSeconds(5),
                Duration.ofMillis(500)).stream().map(rec -> rec.key()))
                .as("no command for a refused request").doesNotContain(overScale.id(), impostor.id());
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
