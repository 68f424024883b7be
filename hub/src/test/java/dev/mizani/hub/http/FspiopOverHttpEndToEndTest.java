package dev.mizani.hub.http;

import static dev.mizani.hub.http.HttpHub.expect;
import static dev.mizani.hub.http.HttpHub.fulfilBody;
import static dev.mizani.hub.http.HttpHub.prepareBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mizani.hub.http.HttpHub.Dfsp;
import dev.mizani.hub.http.HttpHub.Prepared;
import dev.mizani.hub.http.HttpHub.Received;
import dev.mizani.hub.lifecycle.HubFixture;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.MetricsText;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.HubTopics;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The FSPIOP transfers API as DFSPs use it, over real HTTP into the embedded hub: every call authenticated,
 * every outcome a callback to the DFSPs' own servers with the exact FSPIOP code, positions read back
 * through the admin API.
 */
class FspiopOverHttpEndToEndTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static HttpHub hub;
    private static Dfsp payer;
    private static Dfsp payee;
    private static Dfsp capped;
    private static Dfsp poor;
    private static Dfsp silent;

    @BeforeAll
    static void start() throws Exception {
        hub = new HttpHub(10_000, 10_000);
        payer = hub.onboard("payer-" + RUN, "100000", "100000", true);
        payee = hub.onboard("payee-" + RUN, "100000", "100000", true);
        capped = hub.onboard("capped-" + RUN, "1", "100000", true);
        poor = hub.onboard("poor-" + RUN, "100000", "0.5", true);
        silent = hub.onboard("silent-" + RUN, "100000", "100000", false);
        hub.f.awaitDirectoryKnows(payer.name(), payee.name());
    }

    @AfterAll
    static void stop() throws Exception {
        for (Dfsp d : new Dfsp[] {payer, payee, capped, poor, silent}) {
            if (d != null) {
                d.server().stop(0);
            }
        }
        hub.close();
    }

    private static Prepared prepare(Dfsp from, Dfsp to, String amount, Duration expiresIn) throws Exception {
        Prepared p = prepareBody(from.name(), to.name(), amount, expiresIn);
        expect(hub.fspiop(from, "POST", "/transfers", p.body()), 202);
        return p;
    }

    /** A transfer from payer to payee, fulfilled, once the payer has its COMMITTED callback. */
    private static Prepared committed(String amount) throws Exception {
        Prepared p = prepare(payer, payee, amount, Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
        payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id());
        return p;
    }

    private static void assertError(Received callback, String code) {
        assertThat(callback.body()).contains("\"errorCode\":\"" + code + "\"");
    }

    @Test
    void prepareIsForwardedToThePayeeAndItsFulfilCommitsToThePayer() throws Exception {
        long[] payerBefore = hub.settledPosition(payer.name());
        long[] payeeBefore = hub.settledPosition(payee.name());
        Prepared p = prepare(payer, payee, "12.5", Duration.ofSeconds(60));

        Received forwarded = payee.awaitCallback("POST", "/transfers", p.id());
        assertThat(HttpHub.JSON.readTree(forwarded.body())).isEqualTo(HttpHub.JSON.readTree(p.body()));
        assertThat(forwarded.destination()).isEqualTo(payee.name());
        assertThat(forwarded.source()).isEqualTo(payer.name());
        assertThat(forwarded.date()).as("the payer's own Date: a forwarded request keeps its headers").isNotBlank();
        assertThat(forwarded.accept()).as("the forwarded prepare keeps the payer's Accept, as Mojaloop's does")
                .isEqualTo(HttpHub.TYPE);
        assertThat(forwarded.fspiopUri()).isEqualTo("/transfers");
        assertThat(forwarded.fspiopHttpMethod()).isEqualTo("POST");

        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
        Received committed = payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id());
        assertThat(committed.body()).contains("\"transferState\":\"COMMITTED\"").contains(p.fulfilment());
        assertThat(committed.source()).isEqualTo(payee.name());
        assertThat(committed.accept()).as("a callback asks for no answer").isNull();
        assertThat(committed.fspiopUri()).isEqualTo("/transfers/" + p.id());
        assertThat(committed.fspiopHttpMethod()).isEqualTo("PUT");
        // the callback goes out once the positions include the transfer: read at once, not awaited
        assertThat(hub.positionAndReserved(payer.name())).containsExactly(payerBefore[0] + 1_250, payerBefore[1]);
        assertThat(hub.positionAndReserved(payee.name())).containsExactly(payeeBefore[0] - 1_250, payeeBefore[1]);
    }

    /**
     * Every series the operator's dashboard (deploy/grafana/dashboards/mizani.json) queries is served by a hub that
     * committed a transfer and refused a request: a renamed series or a dashboard typo fails here.
     */
    @Test
    void everySeriesTheOperatorsDashboardQueriesIsServed() throws Exception {
        Prepared p = prepare(payer, payee, "1", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
        payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id());
        expect(hub.fspiop(payer, "POST", "/transfers", "{\"transferId\":\"not-a-uuid\"}"), 400);
        var dashboard = HttpHub.JSON.readTree(java.nio.file.Files.readString(java.nio.file.Path.of("..", "deploy", "grafana",
                "dashboards", "mizani.json")));
        java.util.Set<String> queried = new java.util.TreeSet<>();
        var series = java.util.regex.Pattern.compile("\\b(?:mizani|process|system|jvm|hikaricp|kafka)_[a-z0-9_]+");
        dashboard.findValues("expr").forEach(expr -> series.matcher(expr.asText()).results()
                .forEach(m -> queried.add(m.group())));
        assertThat(queried).hasSizeGreaterThan(20);
        String committed = "mizani_transfer_duration_seconds_count{outcome=\"committed\"} ";
        Await.until(HubFixture.BOUND, "the commit's duration observed by the projection", () -> hub.f.hub.metrics.scrape()
                .lines().anyMatch(l -> l.startsWith(committed) && Double.parseDouble(l.substring(committed.length())) >= 1));
        String scraped = hub.f.hub.metrics.scrape();
        // a currency's imbalance is a series from its first problem on (the dashboard reads "or vector(0)" until then)
        queried.remove("mizani_ledger_imbalance_minor");
        for (String name : queried) {
            assertThat(scraped).as("a series the dashboard queries: " + name).containsPattern("(?m)^" + name + "[{ ]");
        }
    }

    /**
     * What central-ledger's order (positions, then the notification) gives a DFSP: the positions it reads right after
     * a callback telling a transfer's end include that transfer, for commits and for a released reservation alike.
     */
    @Test
    void positionsReadRightAfterTheEndingCallbackIncludeTheTransfer() throws Exception {
        // a pair of its own: no other test's transfer can move these positions meanwhile
        Dfsp from = hub.onboard("reader-payer-" + RUN, "100000", "100000", true);
        Dfsp to = hub.onboard("reader-payee-" + RUN, "100000", "100000", true);
        hub.f.awaitDirectoryKnows(from.name(), to.name());
        try {
            for (int i = 1; i <= 8; i++) {
                Prepared p = prepare(from, to, "1", Duration.ofSeconds(60));
                to.awaitCallback("POST", "/transfers", p.id());
                expect(hub.fspiop(to, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
                from.awaitCallback("PUT", "/transfers/" + p.id(), p.id());
                assertThat(hub.positionAndReserved(from.name())).as("payer after commit " + i).containsExactly(100L * i, 0L);
                assertThat(hub.positionAndReserved(to.name())).as("payee after commit " + i).containsExactly(-100L * i, 0L);
            }
            Prepared rejected = prepare(from, to, "2", Duration.ofSeconds(60));
            to.awaitCallback("POST", "/transfers", rejected.id());
            expect(hub.fspiop(to, "PUT", "/transfers/" + rejected.id() + "/error",
                    "{\"errorInformation\":{\"errorCode\":\"5100\",\"errorDescription\":\"no such account\"}}"), 200);
            from.awaitCallback("PUT", "/transfers/" + rejected.id() + "/error", rejected.id());
            assertThat(hub.positionAndReserved(from.name())).as("the rejection released the reservation")
                    .containsExactly(800L, 0L);
        } finally {
            from.server().stop(0);
            to.server().stop(0);
        }
    }

    /**
     * A scheme that signs end to end: whatever the sender signed (its body to the byte, extensionList and its own
     * completedTimestamp included, and its FSPIOP headers) reaches the far end unchanged, so the signature verifies
     * there. The signature here is opaque to the hub; SdkCompatibilityTest verifies real ones.
     */
    @Test
    void whatTheSenderSignedIsForwardedUnchangedBodyAndHeaders() throws Exception {
        Prepared terms = prepareBody(payer.name(), payee.name(), "5", Duration.ofSeconds(60));
        var plain = HttpHub.JSON.readTree(terms.body());
        // the sender's own layout: key order, spacing and an extension list, none of which the hub may touch
        String prepare = "{ \"transferId\": \"" + terms.id() + "\",\n  \"payeeFsp\":\"" + payee.name() + "\", \"payerFsp\":\""
                + payer.name() + "\", \"amount\": {\"currency\":\"USD\",\"amount\":\"5\"}, \"ilpPacket\":\""
                + plain.get("ilpPacket").asText() + "\", \"condition\":\"" + plain.get("condition").asText()
                + "\", \"expiration\":\"" + plain.get("expiration").asText()
                + "\", \"extensionList\":{\"extension\":[{\"key\":\"scheme-ref\",\"value\":\"A-17\"}]} }";
        String prepareSignature = "{\"signature\":\"c2lnbmVkLWJ5LXBheWVy\",\"protectedHeader\":\"eyJhbGciOiJSUzI1NiJ9\"}";
        var sent = signed(payer, "POST", "/transfers", prepare, prepareSignature, payee.name());
        expect(HttpHub.HTTP.send(sent, java.net.http.HttpResponse.BodyHandlers.ofString()), 202);

        Received forwarded = payee.awaitCallback("POST", "/transfers", terms.id());
        assertThat(forwarded.body()).isEqualTo(prepare);
        assertSameHeaders(forwarded, sent, "fspiop-signature", "fspiop-uri", "fspiop-http-method", "fspiop-source",
                "fspiop-destination", "date", "content-type");

        String fulfil = "{\"transferState\":\"COMMITTED\", \"fulfilment\":\"" + terms.fulfilment()
                + "\", \"completedTimestamp\":\"" + HttpHub.FSPIOP_TIME.format(java.time.Instant.now().minusMillis(1_500))
                + "\", \"extensionList\":{\"extension\":[{\"key\":\"receipt\",\"value\":\"R-9\"}]}}";
        var answered = signed(payee, "PUT", "/transfers/" + terms.id(), fulfil,
                "{\"signature\":\"c2lnbmVkLWJ5LXBheWVl\",\"protectedHeader\":\"eyJhbGciOiJSUzI1NiJ9\"}", payer.name());
        expect(HttpHub.HTTP.send(answered, java.net.http.HttpResponse.BodyHandlers.ofString()), 200);
        Received committed = payer.awaitCallback("PUT", "/transfers/" + terms.id(), terms.id());
        assertThat(committed.body()).as("the payee's completedTimestamp and extensions, not the hub's").isEqualTo(fulfil);
        assertSameHeaders(committed, answered, "fspiop-signature", "fspiop-uri", "fspiop-http-method", "fspiop-source",
                "fspiop-destination", "date", "content-type");

        // a payee's rejection reaches the payer in the payee's words and name
        Prepared other = prepare(payer, payee, "1", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", other.id());
        String reject = "{\"errorInformation\":{\"errorCode\":\"5105\",\"errorDescription\":\"Payee transaction limit reached\","
                + "\"extensionList\":{\"extension\":[{\"key\":\"limit\",\"value\":\"daily\"}]}}}";
        var rejected = signed(payee, "PUT", "/transfers/" + other.id() + "/error", reject,
                "{\"signature\":\"cmVqZWN0ZWQ\",\"protectedHeader\":\"eyJhbGciOiJSUzI1NiJ9\"}", payer.name());
        expect(HttpHub.HTTP.send(rejected, java.net.http.HttpResponse.BodyHandlers.ofString()), 200);
        Received toPayer = payer.awaitCallback("PUT", "/transfers/" + other.id() + "/error", other.id());
        assertThat(toPayer.body()).isEqualTo(reject);
        assertThat(toPayer.source()).isEqualTo(payee.name());
        assertSameHeaders(toPayer, rejected, "fspiop-signature", "fspiop-uri", "fspiop-http-method", "date");
        hub.settledPosition(payer.name()); // the rejection released the reservation (and the next test starts clean)
    }

    /** A request as a signing DFSP sends it: FSPIOP-URI and FSPIOP-HTTP-Method of the call, and its signature. */
    private static java.net.http.HttpRequest signed(Dfsp from, String method, String path, String body, String signature,
                                                    String destination) {
        return hub.request(method, path, body).header("FSPIOP-Source", from.name())
                .header("FSPIOP-Destination", destination).header("FSPIOP-Signature", signature)
                .header("FSPIOP-URI", path).header("FSPIOP-HTTP-Method", method)
                .header("Authorization", "Bearer " + from.credential()).build();
    }

    private static void assertSameHeaders(Received received, java.net.http.HttpRequest sent, String... names) {
        for (String name : names) {
            assertThat(received.headers().get(name)).as(name).isEqualTo(sent.headers().firstValue(name).orElseThrow());
        }
    }

    @Test
    void aTransferWithAUlidForItsIdCommitsAsCurrentMojaloopAllowsIt() throws Exception {
        Prepared uuid = prepareBody(payer.name(), payee.name(), "1", Duration.ofSeconds(60));
        String ulid = "01J" + UUID.randomUUID().toString().replace("-", "").substring(0, 23).toUpperCase(java.util.Locale.ROOT)
                .replace('I', 'J').replace('L', 'M').replace('O', 'P').replace('U', 'V');
        Prepared p = new Prepared(ulid, uuid.fulfilment(), uuid.body().replace(uuid.id(), ulid));
        expect(hub.fspiop(payer, "POST", "/transfers", p.body()), 202);
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
        assertThat(payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id()).body()).contains("\"COMMITTED\"");
    }

    @Test
    void theOpenApiDocumentIsServedAndEachOfItsOperationsIsRouted() throws Exception {
        var served = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + hub.gateway.transfers.port() + "/openapi.yaml")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValue("application/yaml");
        assertThat(served.body()).isEqualTo(dev.mizani.gateway.transfers.TransfersGateway.openApiDocument());
        // every documented operation reaches its route: without a credential it is refused as unauthenticated
        String id = UUID.randomUUID().toString();
        for (String[] op : new String[][] {{"POST", "/transfers"}, {"GET", "/transfers/" + id}, {"PUT", "/transfers/" + id},
                {"PUT", "/transfers/" + id + "/error"}}) {
            expect(hub.fspiop(null, payer.name(), op[0], op[1], "{}"), 401);
        }
    }

    @Test
    void aPayeeFulfillingWithReservedIsToldOfTheCommitByPatch() throws Exception {
        Prepared p = prepare(payer, payee, "2", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(),
                fulfilBody(p.fulfilment()).replace("\"COMMITTED\"", "\"RESERVED\"")), 200);
        assertThat(payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id()).body()).contains("\"COMMITTED\"");
        Received told = payee.awaitCallback("PATCH", "/transfers/" + p.id(), p.id());
        assertThat(HttpHub.JSON.readTree(told.body()).get("transferState").asText()).isEqualTo("COMMITTED");
        assertThat(HttpHub.JSON.readTree(told.body()).get("completedTimestamp").asText()).isNotBlank();
        assertThat(told.source()).isEqualTo("Hub");
        assertThat(told.date()).as("the hub's own Date: IMF-fixdate, two-digit day")
                .matches("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
        assertThat(told.fspiopUri()).isEqualTo("/transfers/" + p.id());
        assertThat(told.fspiopHttpMethod()).isEqualTo("PATCH");
    }

    @Test
    void aReservedFulfilUnderVersion10IsAcknowledgedButNotActedOnAndTheTransferExpires() throws Exception {
        long[] before = hub.settledPosition(payer.name());
        Prepared p = prepare(payer, payee, "3", Duration.ofSeconds(3));
        payee.awaitCallback("POST", "/transfers", p.id());
        var v10 = hub.request("PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment()).replace("\"COMMITTED\"", "\"RESERVED\""))
                .setHeader("Content-Type", "application/vnd.interoperability.transfers+json;version=1.0")
                .header("FSPIOP-Source", payee.name()).header("Authorization", "Bearer " + payee.credential()).build();
        expect(HttpHub.HTTP.send(v10, java.net.http.HttpResponse.BodyHandlers.ofString()), 200);
        // FSPIOP 1.0 defines no RESERVED answer: the transfer is not committed, it expires as unanswered
        Received toPayer = payer.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id());
        assertError(toPayer, "3303");
        assertThat(toPayer.fspiopUri()).isEqualTo("/transfers/" + p.id() + "/error");
        assertThat(toPayer.fspiopHttpMethod()).isEqualTo("PUT");
        assertThat(payer.inbox()).noneMatch(r -> r.body().contains("\"COMMITTED\"") && r.path().contains(p.id()));
        hub.awaitPosition(payer.name(), before[0], before[1]);
    }

    @Test
    void aDfspOnVersion10GetsTheHubsCallbacksInVersion10() throws Exception {
        Prepared p = prepareBody(payer.name(), payee.name(), "1", Duration.ofSeconds(2));
        String v10 = "application/vnd.interoperability.transfers+json;version=1.0";
        var prepare = hub.request("POST", "/transfers", p.body()).setHeader("Content-Type", v10)
                .setHeader("Accept", "application/vnd.interoperability.transfers+json;version=1.0")
                .header("FSPIOP-Source", payer.name()).header("Authorization", "Bearer " + payer.credential()).build();
        expect(HttpHub.HTTP.send(prepare, java.net.http.HttpResponse.BodyHandlers.ofString()), 202);
        assertThat(payee.awaitCallback("POST", "/transfers", p.id()).headers().get("content-type"))
                .as("forwarded as it came").isEqualTo(v10);
        Received expired = payer.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id());
        assertError(expired, "3303");
        assertThat(expired.headers().get("content-type")).as("the hub's own words, in the payer's version").isEqualTo(v10);
        assertThat(payee.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()).headers().get("content-type"))
                .isEqualTo(v10);
    }

    @Test
    void aFulfilStampedInTheFutureIsRefusedWith3100AndTheTransferExpires() throws Exception {
        long[] before = hub.settledPosition(payer.name());
        Prepared p = prepare(payer, payee, "3", Duration.ofSeconds(3));
        payee.awaitCallback("POST", "/transfers", p.id());
        String ahead = fulfilBody(p.fulfilment()).replaceFirst("\"completedTimestamp\":\"[^\"]+\"",
                "\"completedTimestamp\":\"" + java.time.Instant.now().plusSeconds(10).truncatedTo(java.time.temporal.ChronoUnit.MILLIS) + "\"");
        var refused = expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), ahead), 400);
        assertThat(refused.body()).contains("\"errorCode\":\"3100\"").contains("in the future");
        String stale = fulfilBody(p.fulfilment()).replaceFirst("\"completedTimestamp\":\"[^\"]+\"",
                "\"completedTimestamp\":\"" + java.time.Instant.now().minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS) + "\"");
        assertThat(expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), stale), 400).body()).contains("3100");
        assertError(payer.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "3303");
        hub.awaitPosition(payer.name(), before[0], before[1]);
    }

    @Test
    void getTransferAnswersItsPartiesWithItsStateAndAnyoneElseWith3208() throws Exception {
        Prepared p = committed("3");

        // asked the moment the payer has its commit: the answer is the command side's, not a read store behind it
        expect(hub.fspiop(payer, "GET", "/transfers/" + p.id(), ""), 202);
        java.util.function.Supplier<List<Received>> puts = () -> payer.inbox().stream()
                .filter(r -> r.path().equals("/transfers/" + p.id())).toList();
        Await.until(HubFixture.BOUND, "the answer to the payer's GET", () -> puts.get().size() >= 2);
        Received state = puts.get().get(1);
        assertThat(HttpHub.JSON.readTree(state.body()).get("transferState").asText()).isEqualTo("COMMITTED");
        assertThat(HttpHub.JSON.readTree(state.body()).get("fulfilment").asText()).isEqualTo(p.fulfilment());
        assertThat(HttpHub.JSON.readTree(state.body()).get("completedTimestamp").asText()).isNotBlank();
        assertThat(state.source()).isEqualTo("Hub");
        expect(hub.fspiop(payee, "GET", "/transfers/" + p.id(), ""), 202);
        assertThat(HttpHub.JSON.readTree(payee.awaitCallback("PUT", "/transfers/" + p.id(), p.id()).body())
                .get("transferState").asText()).isEqualTo("COMMITTED");

        expect(hub.fspiop(capped, "GET", "/transfers/" + p.id(), ""), 202);
        assertError(capped.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "3208");
        String unknown = UUID.randomUUID().toString();
        expect(hub.fspiop(payer, "GET", "/transfers/" + unknown, ""), 202);
        assertError(payer.awaitCallback("PUT", "/transfers/" + unknown + "/error", unknown), "3208");
        expect(hub.fspiop(capped, payer.name(), "GET", "/transfers/" + p.id(), ""), 403);
    }

    /**
     * The answer to a GET goes out only once its 202 is written: by the time the callback reaches the asker, the 202
     * is already in the asker's socket (loopback delivers a write before it returns). A callback racing its 202 made
     * Mojaloop's Testing Toolkit judge the callback before it had the answer.
     */
    @Test
    void theAnswerToAGetIsCalledBackOnlyAfterItsAcceptedIsWritten() throws Exception {
        Prepared p = committed("1");
        int port = hub.request("GET", "/", "").build().uri().getPort();
        for (int i = 0; i < 10; i++) {
            payer.inbox().clear();
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                String get = "GET /transfers/" + p.id() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: " + HttpHub.TYPE
                        + "\r\nContent-Type: " + HttpHub.TYPE + "\r\nDate: " + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                        .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)) + "\r\nFSPIOP-Source: " + payer.name()
                        + "\r\nAuthorization: Bearer " + payer.credential() + "\r\n\r\n";
                socket.getOutputStream().write(get.getBytes(StandardCharsets.ISO_8859_1));
                payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id()); // the answer, without reading the 202 yet
                assertThat(socket.getInputStream().available()).as("the 202 was in the socket before the callback came")
                        .isPositive();
                byte[] head = new byte[12];
                assertThat(socket.getInputStream().readNBytes(head, 0, 12)).isEqualTo(12);
                assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 202");
            }
        }
    }

    @Test
    void aPayeeRejectReachesBothWithItsCodeAndReleasesTheReservation() throws Exception {
        long[] before = hub.settledPosition(payer.name());
        Prepared p = prepare(payer, payee, "3", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id() + "/error",
                "{\"errorInformation\":{\"errorCode\":\"5100\",\"errorDescription\":\"no such account\"}}"), 200);
        assertError(payer.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "5100");
        assertError(payee.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "5100");
        assertThat(hub.positionAndReserved(payer.name())).containsExactly(before[0], before[1]);
    }

    @Test
    void anUnansweredTransferExpiresAs3303ToBothAndALateFulfilIsRefused() throws Exception {
        Prepared p = prepare(payer, payee, "1", Duration.ofSeconds(3));
        payee.awaitCallback("POST", "/transfers", p.id());
        assertError(payer.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "3303");
        assertError(payee.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "3303");
        payee.inbox().clear();
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
        assertError(payee.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "3303");
    }

    @Test
    void overTheNetDebitCapIs4200AndBeyondLiquidityIs4001ToThePayer() throws Exception {
        Prepared overCap = prepare(capped, payee, "1.5", Duration.ofSeconds(60));
        assertError(capped.awaitCallback("PUT", "/transfers/" + overCap.id() + "/error", overCap.id()), "4200");
        Prepared overCover = prepare(poor, payee, "0.51", Duration.ofSeconds(60));
        assertError(poor.awaitCallback("PUT", "/transfers/" + overCover.id() + "/error", overCover.id()), "4001");
        assertThat(payee.received(overCap.id()) || payee.received(overCover.id())).as("the payee never hears of them").isFalse();
        hub.awaitPosition(capped.name(), 0, 0);
        hub.awaitPosition(poor.name(), 0, 0);
    }

    @Test
    void aResentPrepareGetsTheFinishedStateAndAChangedOneIs3106() throws Exception {
        Prepared p = committed("2");
        payer.inbox().clear();

        expect(hub.fspiop(payer, "POST", "/transfers", p.body()), 202);
        var again = HttpHub.JSON.readTree(payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id()).body());
        assertThat(again.get("transferState").asText()).isEqualTo("COMMITTED");
        assertThat(again.get("fulfilment").asText()).as("the answer to a resend carries the fulfilment").isEqualTo(p.fulfilment());
        assertThat(again.get("completedTimestamp").asText()).isNotBlank();
        expect(hub.fspiop(payer, "POST", "/transfers", p.body().replace("\"2\"", "\"3\"")), 202);
        assertError(payer.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "3106");
    }

    @Test
    void aWrongFulfilmentAbortsWith3100ToBoth() throws Exception {
        long[] before = hub.positionAndReserved(payer.name());
        Prepared p = prepare(payer, payee, "4", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), fulfilBody(HttpHub.b64(new byte[32]))), 200);
        Received toPayer = payer.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id());
        assertError(toPayer, "3100");
        assertThat(toPayer.body()).contains("invalid fulfilment");
        assertError(payee.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "3100");
        hub.awaitPosition(payer.name(), before[0], before[1]);

        // asked afterwards, the transfer is ABORTED with its cause as central-ledger reports it
        expect(hub.fspiop(payer, "GET", "/transfers/" + p.id(), ""), 202);
        var answer = HttpHub.JSON.readTree(payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id()).body());
        assertThat(answer.get("transferState").asText()).isEqualTo("ABORTED");
        assertThat(answer.get("completedTimestamp").asText()).isNotBlank();
        assertThat(answer.at("/extensionList/extension/0/key").asText()).isEqualTo("cause");
        assertThat(answer.at("/extensionList/extension/0/value").asText())
                .isEqualTo("3100: Generic validation error - invalid fulfilment");
    }

    @Test
    void aPayeeThatAnsweredReservedWithAWrongFulfilmentIsToldAbortedByPatch() throws Exception {
        long[] before = hub.settledPosition(payer.name()); // an earlier test's transfer may still be settling
        Prepared p = prepare(payer, payee, "4", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(),
                fulfilBody(HttpHub.b64(new byte[32])).replace("\"COMMITTED\"", "\"RESERVED\"")), 200);
        assertError(payer.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id()), "3100");
        Received told = payee.awaitCallback("PATCH", "/transfers/" + p.id(), p.id());
        var body = HttpHub.JSON.readTree(told.body());
        assertThat(body.get("transferState").asText()).isEqualTo("ABORTED");
        assertThat(body.get("completedTimestamp").asText()).isNotBlank();
        assertThat(body.at("/extensionList/extension/0/value").asText()).isEqualTo("3100: Generic validation error - invalid fulfilment");
        assertThat(told.source()).isEqualTo("Hub");
        assertThat(told.fspiopHttpMethod()).isEqualTo("PATCH");
        assertThat(payee.inbox()).noneMatch(r -> r.path().equals("/transfers/" + p.id() + "/error"));
        hub.awaitPosition(payer.name(), before[0], before[1]);
    }

    /** As Mojaloop does (collection payee_missing_fulfillment, bugfix #2697): the answer is taken, the transfer ends. */
    @Test
    void aFulfilWithoutFulfilmentOrAddressedToAnotherFspAbortsWith3100ToBoth() throws Exception {
        long[] before = hub.settledPosition(payer.name()); // an earlier test's transfer may still be settling
        Prepared toHub = prepareBody(payer.name(), "Hub", "1", Duration.ofSeconds(60));
        assertThat(expect(hub.fspiop(payer, "POST", "/transfers", toHub.body()), 400).body())
                .as("the hub's own participant is never a payee").contains("\"errorCode\":\"3100\"");
        Prepared missing = prepare(payer, payee, "2", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", missing.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + missing.id(), "{\"transferState\":\"COMMITTED\",\"completedTimestamp\":\""
                + HttpHub.FSPIOP_TIME.format(java.time.Instant.now()) + "\"}"), 200);
        assertError(payer.awaitCallback("PUT", "/transfers/" + missing.id() + "/error", missing.id()), "3100");
        Received toPayee = payee.awaitCallback("PUT", "/transfers/" + missing.id() + "/error", missing.id());
        assertError(toPayee, "3100");
        assertThat(toPayee.body()).contains("fulfilment is required");

        Prepared elsewhere = prepare(payer, payee, "3", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", elsewhere.id());
        var misaddressed = hub.request("PUT", "/transfers/" + elsewhere.id(), fulfilBody(elsewhere.fulfilment()))
                .header("FSPIOP-Source", payee.name()).header("FSPIOP-Destination", capped.name())
                .header("Authorization", "Bearer " + payee.credential()).build();
        expect(HttpHub.HTTP.send(misaddressed, java.net.http.HttpResponse.BodyHandlers.ofString()), 200);
        Received toPayer = payer.awaitCallback("PUT", "/transfers/" + elsewhere.id() + "/error", elsewhere.id());
        assertError(toPayer, "3100");
        assertThat(toPayer.body()).contains("does not match the payer FSP");
        assertError(payee.awaitCallback("PUT", "/transfers/" + elsewhere.id() + "/error", elsewhere.id()), "3100");
        assertThat(capped.received(elsewhere.id())).as("the wrong destination hears nothing").isFalse();
        hub.awaitPosition(payer.name(), before[0], before[1]);
    }

    @Test
    void callsUnderAnotherIdentityAreRefused() throws Exception {
        Prepared p = prepareBody(payer.name(), payee.name(), "1", Duration.ofSeconds(60));
        var anonymous = hub.fspiop(null, payer.name(), "POST", "/transfers", p.body());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).contains("\"errorCode\":\"3000\"").contains("Bearer credential");

        var borrowed = hub.fspiop(payee, payer.name(), "POST", "/transfers", p.body());
        assertThat(borrowed.statusCode()).as("payee's credential, payer's name").isEqualTo(403);
        assertThat(borrowed.body()).contains("\"errorCode\":\"3000\"").contains("is " + payee.name() + "'s");

        var forged = hub.fspiop(new Dfsp(payer.name(), "not-a-credential", null, null), "POST", "/transfers", p.body());
        assertThat(forged.statusCode()).isEqualTo(401);

        var asPayee = hub.fspiop(payee, "POST", "/transfers", p.body());
        assertThat(asPayee.statusCode()).as("payee authenticated, but the body's payer is another").isEqualTo(400);
        assertThat(asPayee.body()).contains("\"errorCode\":\"3100\"").contains("is not the payer");

        // short-lived: the refused fulfil leaves it reserved until it expires, and later tests read settled positions
        Prepared real = prepare(payer, payee, "1", Duration.ofSeconds(5));
        payee.awaitCallback("POST", "/transfers", real.id());
        expect(hub.fspiop(payer, "PUT", "/transfers/" + real.id(), fulfilBody(real.fulfilment())), 200);
        Received refused = payer.awaitCallback("PUT", "/transfers/" + real.id() + "/error", real.id());
        assertError(refused, "3100");
        assertThat(refused.body()).contains("only the payee");
        assertThat(TopicReader.readAll(hub.f.infra.bootstrap(), HubTopics.TRANSFERS_COMMANDS, 0, Duration.ofSeconds(5),
                Duration.ofMillis(500)).stream().map(r -> r.key())).as("nothing of the refused calls was sent")
                .doesNotContain(p.id());
    }

    @Test
    void aCallbackWithNowhereToGoIsDeadLetteredWithItsReason() throws Exception {
        Prepared p = prepare(silent, payee, "0.5", Duration.ofSeconds(60));
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id() + "/error",
                "{\"errorInformation\":{\"errorCode\":\"5100\",\"errorDescription\":\"no\"}}"), 200);
        payee.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id());
        Await.until(HubFixture.BOUND, "the silent payer's error callback dead-lettered", () -> TopicReader.readAll(
                hub.f.infra.bootstrap(), HubTopics.CALLBACK_DEAD_LETTERS, 1, Duration.ofSeconds(5), Duration.ofMillis(200))
                .stream().anyMatch(r -> p.id().equals(r.key()) && new String(r.headers().lastHeader("mizani.dlq.reason")
                        .value(), StandardCharsets.UTF_8).equals("participant " + silent.name()
                        + " has no FSPIOP_CALLBACK_URL_TRANSFER_ERROR endpoint")));
    }
    private static double scraped(String series) {
        return MetricsText.value(hub.f.hub.metrics.scrape(), series);
    }

    @Test
    void aCallbackRefusedOnceIsDeliveredByItsRetryAndAnUnreachableOneIsDeadLettered() throws Exception {
        // a payee whose server answers 503 to the first forwarded prepare, then 200
        List<String> arrivals = new CopyOnWriteArrayList<>();
        HttpServer flakyServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        flakyServer.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            arrivals.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(arrivals.size() == 1 ? 503 : 200, -1);
            exchange.close();
        });
        flakyServer.start();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Dfsp flaky = null;
        Dfsp unreachable = null;
        try {
            flaky = hub.onboard("flaky-" + RUN, "100000", "100000", false);
            hub.registerEndpoints(flaky.name(), "http://127.0.0.1:" + flakyServer.getAddress().getPort());
            unreachable = hub.onboard("unreachable-" + RUN, "100000", "100000", false);
            hub.registerEndpoints(unreachable.name(), "http://127.0.0.1:" + closedPort);
            hub.f.awaitDirectoryKnows(flaky.name(), unreachable.name());

            double retriedBefore = scraped("mizani_callback_retries_total");
            double deadBefore = scraped("mizani_callbacks_total{outcome=\"dead_lettered\"}");
            Prepared p = prepare(payer, flaky, "1", Duration.ofSeconds(10)); // never answered: short, so the payer soon has no reservation left
            Await.until(HubFixture.BOUND, "the prepare forwarded again after a 503", () -> arrivals.size() >= 2);
            assertThat(arrivals).containsExactly("POST /transfers", "POST /transfers");

            // the unreachable payer's prepare is refused by the payee, and the error callback has nowhere to go
            Prepared q = prepare(unreachable, payee, "1", Duration.ofSeconds(60));
            payee.awaitCallback("POST", "/transfers", q.id());
            expect(hub.fspiop(payee, "PUT", "/transfers/" + q.id() + "/error",
                    "{\"errorInformation\":{\"errorCode\":\"5100\",\"errorDescription\":\"no\"}}"), 200);
            Await.until(HubFixture.BOUND, "the unreachable payer's error callback dead-lettered", () -> TopicReader.readAll(
                    hub.f.infra.bootstrap(), HubTopics.CALLBACK_DEAD_LETTERS, 1, Duration.ofSeconds(5), Duration.ofMillis(200))
                    .stream().anyMatch(r -> q.id().equals(r.key()) && new String(r.headers().lastHeader("mizani.dlq.reason")
                            .value(), StandardCharsets.UTF_8).matches(".*Connection refused.*127\\.0\\.0\\.1:" + closedPort
                            + "/transfers/" + q.id() + "/error.* after 2 attempts")));
            assertThat(TopicReader.readAll(hub.f.infra.bootstrap(), HubTopics.CALLBACK_DEAD_LETTERS, 0, Duration.ofSeconds(5),
                    Duration.ofMillis(200)).stream().map(r -> r.key())).as("the retried callback was not dead-lettered")
                    .doesNotContain(p.id());
            // the 503 and the refused connection's first attempt were retried; the second attempt was dead-lettered
            assertThat(scraped("mizani_callback_retries_total") - retriedBefore).isGreaterThanOrEqualTo(2);
            assertThat(scraped("mizani_callbacks_total{outcome=\"dead_lettered\"}") - deadBefore).isGreaterThanOrEqualTo(1);
        } finally {
            flakyServer.stop(0);
            for (Dfsp d : new Dfsp[] {flaky, unreachable}) {
                if (d != null) {
                    d.server().stop(0);
                }
            }
        }
    }
    @Test
    void theNotifiersPositionNeverPassesACallbackStillBeingDeliveredAndFollowsOnceItEnds() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpServer slowServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        slowServer.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            arrived.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        slowServer.start();
        Dfsp slow = null;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", hub.f.infra.bootstrap()))) {
            slow = hub.onboard("slow-" + RUN, "100000", "100000", false);
            hub.registerEndpoints(slow.name(), "http://127.0.0.1:" + slowServer.getAddress().getPort());
            hub.f.awaitDirectoryKnows(slow.name());
            Prepared p = prepare(payer, slow, "1", Duration.ofSeconds(10)); // never answered: short, so the payer soon has no reservation left
            assertThat(arrived.await(30, TimeUnit.SECONDS)).as("the forwarded prepare reached the slow payee").isTrue();
            // the event that caused it: the transfer's latest event so far
            var caused = TopicReader.readAll(hub.f.infra.bootstrap(), HubTopics.TRANSFERS_EVENTS, 1, Duration.ofSeconds(5),
                    Duration.ofMillis(300)).stream().filter(r -> p.id().equals(r.key()))
                    .max(java.util.Comparator.comparingLong(r -> r.offset())).orElseThrow();
            TopicPartition partition = new TopicPartition(caused.topic(), caused.partition());
            Thread.sleep(600); // three commit intervals
            assertThat(committed(admin, partition)).as("committed position while the callback is in flight")
                    .isLessThanOrEqualTo(caused.offset());
            release.countDown();
            Await.until(HubFixture.BOUND, "the notifier's position past the delivered callback's event",
                    () -> committed(admin, partition) > caused.offset());
        } finally {
            release.countDown();
            slowServer.stop(0);
            if (slow != null) {
                slow.server().stop(0);
            }
        }
    }

    private static long committed(Admin admin, TopicPartition partition) {
        try {
            var offset = admin.listConsumerGroupOffsets("api-gateway-notifier").partitionsToOffsetAndMetadata().get()
                    .get(partition);
            return offset == null ? -1 : offset.offset();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot read the notifier's committed offsets", e);
        }
    }
}
