package dev.mizani.hub.http;

import static dev.mizani.hub.http.HttpHub.prepareBody;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.hub.http.HttpHub.Dfsp;
import dev.mizani.hub.http.HttpHub.Prepared;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.HubTopics;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile and careless input at the FSPIOP API: every request below is answered with a 4xx and an FSPIOP
 * errorInformation naming the problem, nothing of it reaches Kafka, and no position moves.
 */
class BadInputEndToEndTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static HttpHub hub;
    private static Dfsp payer;
    private static Dfsp payee;

    @BeforeAll
    static void start() throws Exception {
        hub = new HttpHub(10_000, 10_000);
        payer = hub.onboard("bad-payer-" + RUN, "100000", "100000", false);
        payee = hub.onboard("bad-payee-" + RUN, "100000", "100000", false);
    }

    @AfterAll
    static void stop() throws Exception {
        hub.close();
    }

    record Case(String name, String transferId, int status, String code, HttpResponse<String> response) {}

    private final List<Case> cases = new ArrayList<>();

    private void prepare(String name, Prepared p, String body, int status, String code) throws Exception {
        cases.add(new Case(name, p.id(), status, code, hub.fspiop(payer, "POST", "/transfers", body)));
    }

    /** The prepare body with one field's JSON value replaced. */
    private static String with(Prepared p, String field, String json) {
        return p.body().replaceFirst("\"" + field + "\":(\"[^\"]*\"|\\{[^}]*\\})", "\"" + field + "\":" + json);
    }

    @Test
    void everyBadRequestIs4xxWithAnFspiopErrorAndLeavesTheLedgerAlone() throws Exception {
        long[] payerBefore = hub.positionAndReserved(payer.name());
        long[] payeeBefore = hub.positionAndReserved(payee.name());

        Prepared p = fresh();
        prepare("truncated body", p, p.body().substring(0, p.body().length() / 2), 400, "3101");
        p = fresh();
        prepare("oversized body", p, p.body().replace("\"ilpPacket\":\"", "\"ilpPacket\":\"" + "A".repeat(60_000)), 413, "3104");
        p = fresh(); // beyond the selector server's own bound: refused unread, with the same FSPIOP error
        prepare("body beyond the server's bound", p, p.body().replace("\"ilpPacket\":\"", "\"ilpPacket\":\"" + "A".repeat(200_000)), 413, "3104");
        p = fresh();
        prepare("empty body", p, "", 400, "310");
        p = fresh();
        prepare("array instead of object", p, "[" + p.body() + "]", 400, "310");
        p = fresh();
        prepare("amount as a number", p, with(p, "amount", "{\"amount\":1,\"currency\":\"USD\"}"), 400, "310");
        p = fresh();
        prepare("transferId as a number", p, with(p, "transferId", "42"), 400, "310");
        p = fresh();
        prepare("huge amount", p, with(p, "amount", "{\"amount\":\"999999999999999999999999\",\"currency\":\"USD\"}"), 400, "310");
        p = fresh();
        prepare("exponent amount", p, with(p, "amount", "{\"amount\":\"1e400\",\"currency\":\"USD\"}"), 400, "310");
        p = fresh();
        prepare("negative amount", p, with(p, "amount", "{\"amount\":\"-5\",\"currency\":\"USD\"}"), 400, "310");
        p = fresh();
        prepare("zero amount", p, with(p, "amount", "{\"amount\":\"0\",\"currency\":\"USD\"}"), 400, "310");
        p = fresh();
        prepare("over-scale amount", p, with(p, "amount", "{\"amount\":\"1.001\",\"currency\":\"USD\"}"), 400, "3100");
        p = fresh();
        prepare("unknown currency", p, with(p, "amount", "{\"amount\":\"1\",\"currency\":\"XXQ\"}"), 400, "310");
        p = fresh();
        prepare("invalid expiration date", p, with(p, "expiration", "\"2026-13-45T25:61:00.000Z\""), 400, "310");
        p = fresh();
        prepare("expiration without zone", p, with(p, "expiration", "\"2030-01-01T00:00:00\""), 400, "310");
        p = fresh();
        // the first character always: an id with neither 'a' nor '0' (one in about seventy) would stay valid
        prepare("unicode in the transfer id", p, with(p, "transferId", "\"ä" + p.id().substring(1).replace('0', '٠') + "\""), 400, "310");
        p = fresh();
        prepare("unicode payer that is not the caller", p, with(p, "payerFsp", "\"pÄyer\""), 400, "3100");
        p = fresh();
        prepare("missing condition", p, p.body().replaceFirst(",\\s*\"condition\":\"[^\"]*\"", ""), 400, "3102");
        p = fresh();
        prepare("condition not 32 bytes", p, with(p, "condition", "\"abc\""), 400, "310");
        p = fresh();
        prepare("unexpected field", p, p.body().replaceFirst("\\{", "{\"sneaky\":true,"), 400, "310");
        p = fresh();
        prepare("duplicate key", p, p.body().replaceFirst("\\{", "{\"transferId\":\"" + UUID.randomUUID() + "\","), 400, "310");
        p = fresh();
        prepare("deep nesting", p, p.body().replaceFirst("\\{", "{\"extensionList\":" + "[".repeat(200) + "]".repeat(200) + ","), 400, "310");

        Prepared q = fresh();
        cases.add(new Case("JSON content type", q.id(), 415, "3101", send(hub.request("POST", "/transfers", q.body())
                .setHeader("Content-Type", "application/json"))));
        q = fresh();
        cases.add(new Case("unsupported version", q.id(), 406, "3001", send(hub.request("POST", "/transfers", q.body())
                .setHeader("Content-Type", "application/vnd.interoperability.transfers+json;version=9.0"))));
        q = fresh();
        cases.add(new Case("missing FSPIOP-Source", q.id(), 400, "3102", java.net.http.HttpClient.newHttpClient().send(
                hub.request("POST", "/transfers", q.body()).setHeader("Authorization", "Bearer " + payer.credential()).build(),
                HttpResponse.BodyHandlers.ofString())));
        q = fresh();
        cases.add(new Case("invalid Date header", q.id(), 400, "3101", send(hub.request("POST", "/transfers", q.body())
                .setHeader("Date", "yesterday"))));
        q = fresh();
        cases.add(new Case("unicode transfer id in the path", q.id(), 400, "3100", hub.fspiop(payee, "PUT",
                "/transfers/%C3%A4" + q.id().substring(1), HttpHub.fulfilBody("x"))));

        for (Case c : cases) {
            assertThat(c.response().statusCode()).as(c.name() + ": " + c.response().body()).isEqualTo(c.status());
            assertThat(c.response().body()).as(c.name()).contains("\"errorInformation\"")
                    .contains("\"errorCode\":\"" + c.code());
        }

        Prepared raw = fresh();
        String injected = rawRequest(raw, "X-Note: a\u0001b\r\n");
        assertThat(injected).as("a control character in a header").startsWith("HTTP/1.1 400").contains("\"errorCode\":\"3101\"");
        String split = rawRequest(raw, "FSPIOP-Destination: " + payee.name() + "\rInjected: yes\r\n");
        assertThat(split).as("a bare CR inside a header").startsWith("HTTP/1.1 400");
        String twoSources = rawRequest(raw, "fspiop-source: " + payee.name() + "\r\n");
        assertThat(twoSources).as("FSPIOP-Source twice, the second another participant's").startsWith("HTTP/1.1 400")
                .contains("\"errorCode\":\"3101\"").containsIgnoringCase("FSPIOP-Source was sent more than once");

        var recorded = TopicReader.readAll(hub.f.infra.bootstrap(), HubTopics.TRANSFERS_COMMANDS, 0, Duration.ofSeconds(5),
                Duration.ofMillis(500)).stream().map(r -> r.key()).toList();
        assertThat(recorded).as("nothing of a refused request reaches Kafka")
                .doesNotContainAnyElementsOf(cases.stream().map(Case::transferId).toList()).doesNotContain(raw.id());
        assertThat(hub.positionAndReserved(payer.name())).containsExactly(payerBefore);
        assertThat(hub.positionAndReserved(payee.name())).containsExactly(payeeBefore);
    }

    private static Prepared fresh() throws Exception {
        return prepareBody(payer.name(), payee.name(), "1", Duration.ofSeconds(30));
    }

    private static HttpResponse<String> send(java.net.http.HttpRequest.Builder b) throws Exception {
        b.setHeader("FSPIOP-Source", payer.name()).setHeader("Authorization", "Bearer " + payer.credential());
        return java.net.http.HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A prepare written byte by byte, so header values no HTTP client would send reach the gateway. */
    private static String rawRequest(Prepared p, String extraHeader) throws Exception {
        byte[] body = p.body().getBytes(StandardCharsets.UTF_8);
        String head = "POST /transfers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + HttpHub.TYPE + "\r\nAccept: "
                + HttpHub.TYPE + "\r\nFSPIOP-Source: " + payer.name() + "\r\nAuthorization: Bearer " + payer.credential()
                + "\r\nDate: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC))
                + "\r\n" + extraHeader + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", hub.gateway.transfers.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
