package dev.mizani.hub.http;

import static dev.mizani.hub.http.HttpHub.expect;
import static dev.mizani.hub.http.HttpHub.fulfilBody;
import static dev.mizani.hub.http.HttpHub.prepareBody;
import static dev.mizani.platform.testing.MetricsText.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mizani.hub.http.HttpHub.Dfsp;
import dev.mizani.hub.http.HttpHub.Prepared;
import dev.mizani.hub.lifecycle.HubFixture;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.platform.testing.Await;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The query API over real HTTP on the embedded hub, after transfers made through the FSPIOP API: a
 * participant's own transfers by id and by filter with cursor pages, positions and their history, settlement
 * windows closed through the admin API with their net positions; every answer with its freshness, every
 * bad parameter named in a 400, and nobody reading another participant's data.
 */
class QueryApiEndToEndTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static HttpHub hub;
    private static Dfsp a;
    private static Dfsp b;
    private static Dfsp c;
    private static final List<String> aToB = new ArrayList<>();
    private static String rejectedId;

    @BeforeAll
    static void start() throws Exception {
        hub = new HttpHub(10_000, 10_000);
        a = hub.onboard("qa-" + RUN, "100000", "100000", true);
        b = hub.onboard("qb-" + RUN, "100000", "100000", true);
        c = hub.onboard("qc-" + RUN, "100000", "100000", true);
        hub.f.awaitDirectoryKnows(a.name(), b.name(), c.name());
        hub.f.awaitDirectoryKnows(b.name(), a.name());
        for (int i = 0; i < 12; i++) {
            aToB.add(commit(a, b, "2.5"));
        }
        for (int i = 0; i < 3; i++) {
            commit(b, a, "1.25");
        }
        Prepared p = prepareBody(a.name(), c.name(), "7", Duration.ofSeconds(60));
        expect(hub.fspiop(a, "POST", "/transfers", p.body()), 202);
        c.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(c, "PUT", "/transfers/" + p.id() + "/error",
                "{\"errorInformation\":{\"errorCode\":\"5104\",\"errorDescription\":\"Transfer rejection\"}}"), 200);
        a.awaitCallback("PUT", "/transfers/" + p.id() + "/error", p.id());
        rejectedId = p.id();
        Await.until(HubFixture.BOUND, "the read store has every transfer ended", () -> {
            JsonNode page = get(a, "/participants/" + a.name() + "/transfers?limit=50", 200);
            int ended = 0;
            for (JsonNode t : page.get("transfers")) {
                ended += Set.of("COMMITTED", "ABORTED").contains(t.get("transferState").asText()) ? 1 : 0;
            }
            return ended == 16;
        });
        // A transfer's row and its payer's position come from two topics and may land in different polls: the
        // abort can be in the store before the release of its reservation. The admin API's view follows the
        // events too, so both are awaited at the known end state (30 paid, 3.75 received, nothing reserved),
        // not merely agreeing with each other: both can still show the rejected 7 as reserved.
        Await.until(HubFixture.BOUND, "the read store has every position change", () -> {
            long[] admin;
            try {
                admin = hub.positionAndReserved(a.name());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            JsonNode usd = get(a, "/participants/" + a.name() + "/positions", 200).get("positions").get(0);
            return admin[0] == 2625 && admin[1] == 0
                    && minor(usd, "position") == admin[0] && minor(usd, "reserved") == admin[1];
        });
    }

    @AfterAll
    static void stop() throws Exception {
        for (Dfsp d : new Dfsp[] {a, b, c}) {
            if (d != null) {
                d.server().stop(0);
            }
        }
        hub.close();
    }

    private static String commit(Dfsp from, Dfsp to, String amount) throws Exception {
        Prepared p = prepareBody(from.name(), to.name(), amount, Duration.ofSeconds(60));
        expect(hub.fspiop(from, "POST", "/transfers", p.body()), 202);
        to.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(to, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
        from.awaitCallback("PUT", "/transfers/" + p.id(), p.id());
        return p.id();
    }

    /** An amount field of a query answer in minor units (USD cents). */
    private static long minor(JsonNode answer, String field) {
        return new BigDecimal(answer.get(field).asText()).movePointRight(2).longValueExact();
    }

    private static JsonNode get(Dfsp as, String path, int status) {
        return get(as.credential(), path, status);
    }

    private static JsonNode get(String credential, String path, int status) {
        try {
            JsonNode body = HttpHub.JSON.readTree(expect(hub.query(credential, path), status).body());
            assertThat(body.has("freshness")).as("freshness of " + path).isTrue();
            assertThat(body.get("freshness").get("lagEvents").asLong()).isGreaterThanOrEqualTo(0);
            return body;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aTransferIsReadByItsPartiesAndTheOperatorOnly() {
        String id = aToB.getFirst();
        JsonNode t = get(a, "/transfers/" + id, 200).get("transfer");
        assertThat(t.get("transferState").asText()).isEqualTo("COMMITTED");
        assertThat(t.get("amount").get("amount").asText()).isEqualTo("2.5");
        assertThat(t.get("payerFsp").asText()).isEqualTo(a.name());
        assertThat(t.has("committedAt") && t.has("reservedAt") && t.has("preparedAt")).isTrue();
        assertThat(t.get("settlementWindowId").asLong()).isPositive();
        get(b, "/transfers/" + id, 200);
        get(HttpHub.OPERATOR, "/transfers/" + id, 200);
        get(c, "/transfers/" + id, 404);
        JsonNode rejected = get(c, "/transfers/" + rejectedId, 200).get("transfer");
        assertThat(rejected.get("transferState").asText()).isEqualTo("ABORTED");
        assertThat(rejected.get("errorInformation").get("errorCode").asText()).isEqualTo("5104");
        assertThat(get(a, "/transfers/not%20an%20id", 400).get("error").get("message").asText()).contains("id");
        get(a, "/transfers/" + UUID.randomUUID(), 404);
    }

    @Test
    void aParticipantsTransfersFilterAndPageByCursor() {
        String base = "/participants/" + a.name() + "/transfers?state=COMMITTED&counterparty=" + b.name() + "&limit=5";
        Set<String> seen = new HashSet<>();
        List<String> order = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get(a, base + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), 200);
            for (JsonNode t : page.get("transfers")) {
                assertThat(seen.add(t.get("transferId").asText())).as("no transfer on two pages").isTrue();
                order.add(t.get("preparedAt").asText());
            }
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).hasSize(15); // 12 as payer to b, 3 as payee from b
        assertThat(seen).containsAll(aToB);
        assertThat(order).isSorted();
        assertThat(get(a, "/participants/" + a.name() + "/transfers?state=ABORTED", 200).get("transfers")).hasSize(1);
        assertThat(get(a, "/participants/" + a.name() + "/transfers?from=2099-01-01T00:00:00Z", 200).get("transfers")).isEmpty();

        assertThat(get(a, "/participants/" + a.name() + "/transfers?state=DONE", 400).toString()).contains("state");
        assertThat(get(a, "/participants/" + a.name() + "/transfers?from=yesterday", 400).toString()).contains("from");
        assertThat(get(a, "/participants/" + a.name() + "/transfers?limit=0", 400).toString()).contains("limit");
        assertThat(get(a, "/participants/" + a.name() + "/transfers?limit=51", 400).toString()).contains("limit");
        assertThat(get(a, "/participants/" + a.name() + "/transfers?cursor=%21%21", 400).toString()).contains("cursor");
        get(b, "/participants/" + a.name() + "/transfers", 403);
        get(HttpHub.OPERATOR, "/participants/" + a.name() + "/transfers", 200);
        get(HttpHub.OPERATOR, "/participants/nobody-" + RUN + "/transfers", 404);
        get(HttpHub.OPERATOR, "/participants/nobody-" + RUN + "/positions", 404);
        get(HttpHub.OPERATOR, "/participants/nobody-" + RUN + "/positions/history?currency=USD", 404);
    }

    @Test
    void positionsAgreeWithTheAdminApiAndKeepTheirHistory() throws Exception {
        JsonNode usd = get(a, "/participants/" + a.name() + "/positions", 200).get("positions").get(0);
        long[] admin = hub.positionAndReserved(a.name());
        assertThat(minor(usd, "position")).isEqualTo(admin[0]);
        assertThat(minor(usd, "reserved")).isEqualTo(admin[1]);
        assertThat(usd.get("position").asText()).isEqualTo("26.25");
        BigDecimal headroom = new BigDecimal(usd.get("netDebitCap").asText())
                .min(new BigDecimal(usd.get("liquidityCover").asText()).subtract(new BigDecimal(usd.get("fundsOutPending").asText())))
                .subtract(new BigDecimal(usd.get("position").asText())).subtract(new BigDecimal(usd.get("reserved").asText()));
        assertThat(new BigDecimal(usd.get("headroom").asText())).isEqualByComparingTo(headroom);

        String path = "/participants/" + a.name() + "/positions/history?currency=USD&limit=10";
        JsonNode first = get(a, path, 200);
        assertThat(first.get("changes")).hasSize(10);
        JsonNode second = get(a, path + "&cursor=" + first.get("nextCursor").asText(), 200);
        // 12 reserves and 12 commits as payer, 3 commits as payee, the funds in: 28 changes
        assertThat(second.get("changes")).hasSize(10);
        assertThat(Instant.parse(second.get("changes").get(0).get("changedAt").asText()))
                .isAfterOrEqualTo(Instant.parse(first.get("changes").get(9).get("changedAt").asText()));
        assertThat(get(a, "/participants/" + a.name() + "/positions/history", 400).toString()).contains("currency");
        get(c, "/participants/" + a.name() + "/positions", 403);
    }

    @Test
    void aSettlementWindowClosedThroughTheAdminApiNetsToZero() throws Exception {
        JsonNode open = HttpHub.JSON.readTree(expect(hub.admin("GET", "/settlementWindows?state=OPEN", null), 200).body()).get(0);
        long id = open.get("settlementWindowId").asLong();
        JsonNode next = HttpHub.JSON.readTree(expect(hub.admin("POST", "/settlementWindows/" + id,
                "{\"state\":\"CLOSED\",\"reason\":\"end of test day\"}"), 200).body());
        assertThat(next.get("settlementWindowId").asLong()).isEqualTo(id + 1);
        assertThat(next.get("state").asText()).isEqualTo("OPEN");
        JsonNode closed = HttpHub.JSON.readTree(expect(hub.admin("GET", "/settlementWindows/" + id, null), 200).body());
        assertThat(closed.get("state").asText()).isEqualTo("CLOSED");
        assertThat(closed.get("reason").asText()).isEqualTo("end of test day");
        expect(hub.admin("POST", "/settlementWindows/" + id, "{\"state\":\"CLOSED\",\"reason\":\"again\"}"), 400);
        expect(hub.admin("POST", "/settlementWindows/" + (id + 1), "{\"state\":\"OPEN\",\"reason\":\"x\"}"), 400);
        expect(hub.admin("GET", "/settlementWindows?state=SHUT", null), 400);
        expect(hub.admin("GET", "/settlementWindows/zero", null), 400);
        JsonNode first = HttpHub.JSON.readTree(expect(hub.admin("GET", "/settlementWindows/1", null), 200).body());
        assertThat(first.get("createdDate").asText()).as("window 1 is dated from the settlement records' start")
                .matches("\\d{4}-\\d{2}-\\d{2}T.*Z");

        JsonNode mine = get(a, "/settlementWindows/" + id, 200).get("settlementWindow");
        assertThat(mine.get("state").asText()).isEqualTo("CLOSED");
        assertThat(mine.get("netPositions")).hasSize(1);
        assertThat(mine.get("netPositions").get(0).get("participant").asText()).isEqualTo(a.name());
        assertThat(mine.get("netPositions").get(0).get("netPosition").asText()).isEqualTo("26.25");
        assertThat(mine.get("netPositions").get(0).get("transferCount").asLong()).isEqualTo(15);
        BigDecimal sum = BigDecimal.ZERO;
        for (JsonNode n : get(HttpHub.OPERATOR, "/settlementWindows/" + id, 200).get("settlementWindow").get("netPositions")) {
            sum = sum.add(new BigDecimal(n.get("netPosition").asText()));
        }
        assertThat(sum).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(get(a, "/settlementWindows?state=CLOSED", 200).get("settlementWindows").size()).isPositive();
        get(a, "/settlementWindows/999999", 404);
    }

    @Test
    void theOperatorReadsTheHubsMetricsAndNobodyElse() throws Exception {
        var response = expect(hub.query(HttpHub.OPERATOR, "/metrics"), 200);
        assertThat(response.headers().firstValue("content-type")).hasValue(Metrics.CONTENT_TYPE);
        String text = response.body();
        // this hub's own handlers decided every command of the transfers made above: 16 prepares at least
        assertThat(value(text, "mizani_processor_commands_total{processor=\"transfers\"}")).isGreaterThanOrEqualTo(16);
        assertThat(value(text, "mizani_processor_commands_total{processor=\"participants\"}")).isGreaterThanOrEqualTo(16);
        assertThat(value(text, "mizani_processor_events_total{processor=\"transfers\"}")).isGreaterThanOrEqualTo(16);
        for (String stage : new String[] {"poll", "decide", "await", "commit", "publish"}) {
            String series = "mizani_processor_stage_seconds_count{processor=\"transfers\",stage=\"" + stage + "\"}";
            assertThat(value(text, series)).as(series).isGreaterThan(0);
        }
        assertThat(value(text, "mizani_processor_up{processor=\"transfers\"}")).isEqualTo(1);
        assertThat(value(text, "mizani_processor_restarts_total{processor=\"transfers\"}")).isZero();
        assertThat(value(text, "mizani_projection_up")).isEqualTo(1);
        assertThat(value(text, "mizani_projection_events_applied")).isGreaterThanOrEqualTo(16);
        assertThat(value(text, "mizani_projection_batch_records_sum")).isGreaterThanOrEqualTo(16);
        assertThat(value(text, "mizani_projection_batch_seconds_count")).isPositive();
        assertThat(text).contains("# TYPE mizani_processor_stage_seconds histogram");
        assertThat(value(text, "mizani_gateway_answers_total{route=\"POST /transfers\",status=\"202\"}")).isGreaterThanOrEqualTo(16);
        assertThat(value(text, "mizani_gateway_answers_total{route=\"PUT /transfers/{ID}\",status=\"200\"}")).isGreaterThanOrEqualTo(15);
        assertThat(value(text, "mizani_gateway_answers_total{route=\"PUT /transfers/{ID}/error\",status=\"200\"}")).isGreaterThanOrEqualTo(1);
        // each committed transfer called its payee (the prepare) and its payer (the commit)
        assertThat(value(text, "mizani_callbacks_total{outcome=\"delivered\"}")).isGreaterThanOrEqualTo(2 * 15);

        assertThat(hub.query(a.credential(), "/metrics").statusCode()).isEqualTo(403);
        assertThat(hub.query("not-a-credential-" + RUN, "/metrics").statusCode()).isEqualTo(401);
    }

    @Test
    void callersWithoutACredentialOrTheOperatorsRightsAreRefused() throws Exception {
        assertThat(hub.query("not-a-credential-" + RUN, "/transfers/" + aToB.getFirst()).statusCode()).isEqualTo(401);
        get(a, "/projections/rebuild", 403);
        assertThat(get(HttpHub.OPERATOR, "/projections/rebuild", 200).get("rebuild").asText()).isEqualTo("none");
        get(a, "/no/such/query", 404);
    }
}
