package dev.mizani.hub.http;

import static dev.mizani.hub.http.HttpHub.expect;
import static dev.mizani.hub.http.HttpHub.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mizani.hub.http.HttpHub.Dfsp;
import dev.mizani.hub.http.HttpHub.Prepared;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API over real HTTP, as an existing central-ledger onboarding script calls it: the same routes,
 * bodies and status codes, every change applied by the participants handler and read back at once.
 */
class AdminApiEndToEndTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static HttpHub hub;

    @BeforeAll
    static void start() throws Exception {
        hub = new HttpHub(10_000, 10_000);
    }

    @AfterAll
    static void stop() throws Exception {
        hub.close();
    }

    private static BigDecimal value(JsonNode node) {
        return node.decimalValue().stripTrailingZeros();
    }

    @Test
    void anOnboardingScriptRunsAsAgainstCentralLedger() throws Exception {
        String name = "dfsp-" + RUN;
        // Mojaloop's hub setup: the hub's accounts ("201 if not exists or 400 if exists") and its email endpoints
        JsonNode hubAccounts = json(expect(hub.admin("POST", "/participants/Hub/accounts",
                "{\"type\":\"HUB_MULTILATERAL_SETTLEMENT\",\"currency\":\"KES\"}"), 201));
        assertThat(hubAccounts).extracting(a -> a.get("ledgerAccountType").asText() + "/" + a.get("currency").asText())
                .contains("HUB_MULTILATERAL_SETTLEMENT/KES", "HUB_RECONCILIATION/KES");
        JsonNode exists = json(expect(hub.admin("POST", "/participants/Hub/accounts",
                "{\"type\":\"HUB_RECONCILIATION\",\"currency\":\"KES\"}"), 400));
        assertThat(exists.at("/errorInformation/errorDescription").asText()).contains("already been registered");
        expect(hub.admin("POST", "/participants/Hub/endpoints",
                "{\"type\":\"NET_DEBIT_CAP_ADJUSTMENT_EMAIL\",\"value\":\"hub-ops@example.org\"}"), 201);
        assertThat(json(expect(hub.admin("GET", "/participants/Hub/endpoints", null), 200)))
                .anyMatch(e -> e.get("type").asText().equals("NET_DEBIT_CAP_ADJUSTMENT_EMAIL")
                        && e.get("value").asText().equals("hub-ops@example.org"));
        assertThat(json(expect(hub.admin("GET", "/participants/Hub/accounts", null), 200)))
                .extracting(a -> a.get("ledgerAccountType").asText() + "/" + a.get("currency").asText())
                .contains("HUB_MULTILATERAL_SETTLEMENT/KES", "HUB_RECONCILIATION/KES");
        expect(hub.admin("POST", "/participants", "{\"name\":\"hub\",\"currency\":\"USD\"}"), 400);

        JsonNode created = json(expect(hub.admin("POST", "/participants", "{\"name\":\"" + name + "\",\"currency\":\"USD\"}"), 201));
        assertThat(created.get("name").asText()).isEqualTo(name);
        assertThat(created.get("isActive").asInt()).isEqualTo(1);
        assertThat(created.get("accounts")).extracting(a -> a.get("ledgerAccountType").asText() + "/" + a.get("currency").asText())
                .containsExactly("POSITION/USD", "SETTLEMENT/USD");
        JsonNode again = json(expect(hub.admin("POST", "/participants", "{\"name\":\"" + name + "\",\"currency\":\"USD\"}"), 400));
        assertThat(again.at("/errorInformation/errorDescription").asText()).contains("already been registered");
        expect(hub.admin("POST", "/participants", "{\"name\":\"" + name + "\",\"currency\":\"EUR\"}"), 201);
        assertThat(json(expect(hub.admin("GET", "/participants/" + name, null), 200)).get("accounts")).hasSize(4);

        expect(hub.admin("POST", "/participants/" + name + "/initialPositionAndLimits",
                "{\"currency\":\"USD\",\"limit\":{\"type\":\"NET_DEBIT_CAP\",\"value\":1000},\"initialPosition\":0}"), 201);
        JsonNode twice = json(expect(hub.admin("POST", "/participants/" + name + "/initialPositionAndLimits",
                "{\"currency\":\"USD\",\"limit\":{\"type\":\"NET_DEBIT_CAP\",\"value\":1000},\"initialPosition\":0}"), 400));
        assertThat(twice.at("/errorInformation/errorCode").asText()).isEqualTo("3100");
        JsonNode limits = json(expect(hub.admin("GET", "/participants/" + name + "/limits?currency=USD", null), 200));
        assertThat(limits).singleElement().satisfies(l -> {
            assertThat(l.at("/limit/type").asText()).isEqualTo("NET_DEBIT_CAP");
            assertThat(value(l.at("/limit/value"))).isEqualByComparingTo("1000");
        });
        JsonNode adjusted = json(expect(hub.admin("PUT", "/participants/" + name + "/limits",
                "{\"currency\":\"USD\",\"limit\":{\"type\":\"NET_DEBIT_CAP\",\"value\":2500.5,\"alarmPercentage\":10}}"), 200));
        assertThat(value(adjusted.at("/limit/value"))).isEqualByComparingTo("2500.5");
        assertThat(json(expect(hub.admin("GET", "/participants/limits?currency=USD", null), 200)))
                .anySatisfy(l -> assertThat(l.get("name").asText()).isEqualTo(name));

        String callback = "http://127.0.0.1:1/transfers/{{transferId}}";
        expect(hub.admin("POST", "/participants/" + name + "/endpoints",
                "{\"type\":\"FSPIOP_CALLBACK_URL_TRANSFER_PUT\",\"value\":\"" + callback + "\"}"), 201);
        expect(hub.admin("POST", "/participants/" + name + "/endpoints",
                "{\"type\":\"FSPIOP_CALLBACK_URL_QUOTES\",\"value\":\"http://127.0.0.1:1\"}"), 201);
        JsonNode one = json(expect(hub.admin("GET", "/participants/" + name + "/endpoints?type=FSPIOP_CALLBACK_URL_TRANSFER_PUT", null), 200));
        assertThat(one.get("value").asText()).isEqualTo(callback);
        assertThat(json(expect(hub.admin("GET", "/participants/" + name + "/endpoints", null), 200))).hasSize(2);
        JsonNode badUrl = json(expect(hub.admin("POST", "/participants/" + name + "/endpoints",
                "{\"type\":\"FSPIOP_CALLBACK_URL_TRANSFER_POST\",\"value\":\"not a url\"}"), 400));
        assertThat(badUrl.at("/errorInformation/errorDescription").asText()).contains("absolute http(s) URL");

        expect(hub.admin("PUT", "/participants/" + name, "{\"isActive\":false}"), 200);
        assertThat(json(expect(hub.admin("GET", "/participants/" + name, null), 200)).get("isActive").asInt()).isZero();
        assertThat(json(expect(hub.admin("PUT", "/participants/" + name, "{\"isActive\":true}"), 200)).get("isActive").asInt())
                .isEqualTo(1);
        assertThat(json(expect(hub.admin("GET", "/participants", null), 200)))
                .anySatisfy(p -> assertThat(p.get("name").asText()).isEqualTo(name));
    }

    @Test
    void fundsInAndTwoPhaseFundsOutMoveTheSettlementAccount() throws Exception {
        Dfsp dfsp = hub.onboard("funds-" + RUN, "1000", "100", true);
        int hubAccount = hub.admin("POST", "/participants/Hub/accounts",
                "{\"type\":\"HUB_RECONCILIATION\",\"currency\":\"USD\"}").statusCode();
        assertThat(hubAccount).as("created here or by an earlier test").isIn(201, 400);
        BigDecimal reconciliationBefore = reconciliation();
        int settlement = hub.settlementAccountId(dfsp.name());
        String base = "/participants/" + dfsp.name() + "/accounts/" + settlement;
        String in = UUID.randomUUID().toString();
        String fundsIn = """
                {"transferId":"%s","externalReference":"deposit-7","action":"recordFundsIn","reason":"top up",
                 "amount":{"amount":"50.25","currency":"USD"}}""".formatted(in);
        expect(hub.admin("POST", base, fundsIn), 202);
        expect(hub.admin("POST", base, fundsIn), 202);
        assertThat(settlementValue(dfsp.name())).as("the same funds in twice counts once").isEqualByComparingTo("-150.25");
        assertThat(reconciliation().subtract(reconciliationBefore)).as("the hub's counterpart of the funds in")
                .isEqualByComparingTo("50.25");
        assertThat(fundsTransferState(dfsp, in)).isEqualTo("COMMITTED");

        String out = UUID.randomUUID().toString();
        expect(hub.admin("POST", base, """
                {"transferId":"%s","externalReference":"withdrawal-1","action":"recordFundsOutPrepareReserve","reason":"r",
                 "amount":{"amount":"100","currency":"USD"}}""".formatted(out)), 202);
        assertThat(settlementValue(dfsp.name())).as("central-ledger moves the settlement account at reserve")
                .isEqualByComparingTo("-50.25");
        assertThat(settlementReserved(dfsp.name())).isEqualByComparingTo("0");
        assertThat(reconciliation().subtract(reconciliationBefore)).as("the hub's account moves at commit only")
                .isEqualByComparingTo("50.25");
        assertThat(fundsTransferState(dfsp, out)).isEqualTo("RESERVED");
        JsonNode tooMuch = json(expect(hub.admin("POST", base, """
                {"transferId":"%s","externalReference":"withdrawal-2","action":"recordFundsOutPrepareReserve","reason":"r",
                 "amount":{"amount":"60","currency":"USD"}}""".formatted(UUID.randomUUID())), 400));
        assertThat(tooMuch.at("/errorInformation/errorCode").asText()).isEqualTo("4001");
        expect(hub.admin("PUT", base + "/transfers/" + out, "{\"action\":\"recordFundsOutCommit\",\"reason\":\"paid\"}"), 202);
        assertThat(settlementValue(dfsp.name())).isEqualByComparingTo("-50.25");
        assertThat(settlementReserved(dfsp.name())).isEqualByComparingTo("0");
        assertThat(reconciliation().subtract(reconciliationBefore)).isEqualByComparingTo("-49.75");
        assertThat(fundsTransferState(dfsp, out)).isEqualTo("COMMITTED");

        String aborted = UUID.randomUUID().toString();
        expect(hub.admin("POST", base, """
                {"transferId":"%s","externalReference":"withdrawal-3","action":"recordFundsOutPrepareReserve","reason":"r",
                 "amount":{"amount":"50","currency":"USD"}}""".formatted(aborted)), 202);
        assertThat(settlementValue(dfsp.name())).isEqualByComparingTo("-0.25");
        expect(hub.admin("PUT", base + "/transfers/" + aborted, "{\"action\":\"recordFundsOutAbort\",\"reason\":\"no\"}"), 202);
        assertThat(settlementValue(dfsp.name())).isEqualByComparingTo("-50.25");
        assertThat(reconciliation().subtract(reconciliationBefore)).isEqualByComparingTo("-49.75");
        assertThat(fundsTransferState(dfsp, aborted)).isEqualTo("ABORTED");
        JsonNode unknown = json(expect(hub.admin("PUT", base + "/transfers/" + UUID.randomUUID(),
                "{\"action\":\"recordFundsOutCommit\",\"reason\":\"x\"}"), 400));
        assertThat(unknown.at("/errorInformation/errorDescription").asText()).contains("is prepared");

        JsonNode onPosition = json(expect(hub.admin("POST", "/participants/" + dfsp.name() + "/accounts/" + (settlement - 1),
                fundsIn.replace(in, UUID.randomUUID().toString())), 400));
        assertThat(onPosition.at("/errorInformation/errorDescription").asText()).contains("Only settlement account");
        JsonNode wrongCurrency = json(expect(hub.admin("POST", base, fundsIn.replace(in, UUID.randomUUID().toString())
                .replace("\"USD\"", "\"EUR\"")), 400));
        assertThat(wrongCurrency.at("/errorInformation/errorDescription").asText()).contains("not the account's currency");
    }

    private static BigDecimal reconciliation() throws Exception {
        for (JsonNode a : json(expect(hub.admin("GET", "/participants/Hub/accounts", null), 200))) {
            if (a.get("ledgerAccountType").asText().equals("HUB_RECONCILIATION") && a.get("currency").asText().equals("USD")) {
                return a.get("value").decimalValue();
            }
        }
        throw new AssertionError("the hub has no USD reconciliation account");
    }

    /** GET /transfers/{ID} of a funds transfer, as its participant asks it: the state its callback names. */
    private static String fundsTransferState(Dfsp dfsp, String transferId) throws Exception {
        dfsp.inbox().clear();
        expect(hub.fspiop(dfsp, "GET", "/transfers/" + transferId, ""), 202);
        var answer = dfsp.awaitCallback("PUT", "/transfers/" + transferId, transferId);
        assertThat(answer.source()).isEqualTo("Hub");
        return HttpHub.JSON.readTree(answer.body()).get("transferState").asText();
    }

    private static BigDecimal settlementValue(String name) throws Exception {
        return settlementField(name, "value");
    }

    private static BigDecimal settlementReserved(String name) throws Exception {
        return settlementField(name, "reservedValue");
    }

    private static BigDecimal settlementField(String name, String field) throws Exception {
        for (JsonNode a : json(expect(hub.admin("GET", "/participants/" + name + "/accounts", null), 200))) {
            if (a.get("ledgerAccountType").asText().equals("SETTLEMENT")) {
                return value(a.get(field));
            }
        }
        throw new AssertionError("no settlement account");
    }

    @Test
    void aParticipantsJwsPublicKeyIsRegisteredOnItsStreamAndReadBack() throws Exception {
        Dfsp dfsp = hub.onboard("jws-" + RUN, "1000", "100", false);
        String path = "/participants/" + dfsp.name() + "/jwsPublicKey";
        expect(hub.admin("GET", path, null), 404);
        expect(hub.admin("PUT", path, "{\"publicKey\":\"not a key\"}"), 400);
        var generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        String weak = dev.mizani.gateway.security.Jws.pem("PUBLIC KEY", generator.generateKeyPair().getPublic().getEncoded());
        expect(hub.admin("PUT", path, HttpHub.JSON.createObjectNode().put("publicKey", weak).toString()), 400);
        generator.initialize(2048);
        String pem = dev.mizani.gateway.security.Jws.pem("PUBLIC KEY", generator.generateKeyPair().getPublic().getEncoded());
        expect(hub.admin("PUT", path, HttpHub.JSON.createObjectNode().put("publicKey", pem).toString()), 200);
        assertThat(HttpHub.json(expect(hub.admin("GET", path, null), 200)).get("publicKey").asText()).isEqualTo(pem.strip());
    }

    @Test
    void everyAdminCallNeedsTheOperatorCredentialAndUnknownsAreRefusedAsCentralLedgerRefusesThem() throws Exception {
        for (String credential : new String[] {null, "wrong-operator-credential"}) {
            HttpResponse<String> r = hub.adminAs(credential, "GET", "/participants", null);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).contains("\"errorCode\":\"3000\"");
        }
        Dfsp dfsp = hub.onboard("cred-" + RUN, "1000", "1000", false);
        assertThat(hub.adminAs(dfsp.credential(), "GET", "/participants", null).statusCode())
                .as("a participant's credential is not the operator's").isEqualTo(401);
        // central-ledger answers an unknown participant with 400 and 3200 ("Generic ID not found")
        JsonNode missing = json(expect(hub.admin("GET", "/participants/nobody-" + RUN, null), 400));
        assertThat(missing.at("/errorInformation/errorCode").asText()).isEqualTo("3200");
        assertThat(missing.at("/errorInformation/errorDescription").asText()).startsWith("Generic ID not found");
        assertThat(json(expect(hub.admin("GET", "/nowhere", null), 404)).at("/errorInformation/errorCode").asText())
                .isEqualTo("3002");
        assertThat(hub.adminAs(dfsp.credential(), "GET", "/settlementWindows?state=OPEN", null).statusCode())
                .as("settlement windows are the operator's too").isEqualTo(401);
        JsonNode badJson = json(expect(hub.admin("POST", "/participants", "{\"name\":"), 400));
        assertThat(badJson.at("/errorInformation/errorDescription").asText()).contains("not valid JSON");
        JsonNode badCurrency = json(expect(hub.admin("POST", "/participants", "{\"name\":\"x-" + RUN + "\",\"currency\":\"XYZ\"}"), 400));
        assertThat(badCurrency.at("/errorInformation/errorDescription").asText()).contains("not an ISO 4217 currency");
        // and a currency that is not even three capital letters with 3101, "Malformed syntax" (collection bugfix #742)
        JsonNode malformed = json(expect(hub.admin("POST", "/participants", "{\"name\":\"x-" + RUN + "\",\"currency\":\"A#\"}"), 400));
        assertThat(malformed.at("/errorInformation/errorCode").asText()).isEqualTo("3101");
        assertThat(malformed.at("/errorInformation/errorDescription").asText()).startsWith("Malformed syntax");
    }

    @Test
    void aReissuedCredentialReplacesTheOldOneAndRateLimitsApplyAtOnce() throws Exception {
        Dfsp payer = hub.onboard("rl-payer-" + RUN, "100000", "100000", false);
        Dfsp payee = hub.onboard("rl-payee-" + RUN, "100000", "100000", false);
        hub.f.awaitDirectoryKnows(payer.name(), payee.name());

        JsonNode limit = json(expect(hub.admin("PUT", "/participants/" + payer.name() + "/rateLimit",
                "{\"requestsPerSecond\":1,\"burst\":2}"), 200));
        assertThat(limit.get("requestsPerSecond").asInt()).isEqualTo(1);
        int accepted = 0;
        HttpResponse<String> limited = null;
        for (int i = 0; i < 4 && limited == null; i++) {
            Prepared p = HttpHub.prepareBody(payer.name(), payee.name(), "1", Duration.ofSeconds(30));
            HttpResponse<String> r = hub.fspiop(payer, "POST", "/transfers", p.body());
            if (r.statusCode() == 429) {
                limited = r;
            } else {
                expect(r, 202);
                accepted++;
            }
        }
        assertThat(accepted).as("the burst").isBetween(2, 3);
        assertThat(limited).isNotNull();
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(limited.body()).contains("\"errorCode\":\"3000\"").contains("over its rate of 1 requests/s");
        assertThat(hub.fspiop(payee, "POST", "/transfers",
                HttpHub.prepareBody(payee.name(), payer.name(), "1", Duration.ofSeconds(30)).body()).statusCode())
                .as("another participant's bucket").isEqualTo(202);
        expect(hub.admin("PUT", "/participants/" + payer.name() + "/rateLimit", "{\"requestsPerSecond\":0,\"burst\":0}"), 200);

        String chosen = "a-credential-chosen-by-the-operator-" + RUN;
        expect(hub.admin("PUT", "/participants/" + payer.name() + "/credentials", "{\"credential\":\"" + chosen + "\"}"), 201);
        Prepared p = HttpHub.prepareBody(payer.name(), payee.name(), "1", Duration.ofSeconds(30));
        assertThat(hub.fspiop(payer, "POST", "/transfers", p.body()).statusCode()).as("the old credential").isEqualTo(401);
        assertThat(hub.fspiop(new Dfsp(payer.name(), chosen, null, null), "POST", "/transfers", p.body()).statusCode())
                .isEqualTo(202);
        expect(hub.admin("PUT", "/participants/" + payer.name() + "/credentials", "{\"credential\":\"short\"}"), 400);

        // What travels on participants.events, which integrators read, is the credential's keyed hash only.
        var events = new dev.mizani.schemas.wire.EventWireCodec<dev.mizani.schemas.participant.ParticipantEventEnvelope>(
                hub.f.infra.registry,
                dev.mizani.schemas.HubTopics.PARTICIPANTS_EVENTS,
                dev.mizani.schemas.participant.ParticipantEventEnvelope.getClassSchema());
        java.util.List<String> stored = dev.mizani.platform.testing.TopicReader.readAll(hub.f.infra.bootstrap(),
                        dev.mizani.schemas.HubTopics.PARTICIPANTS_EVENTS, 1, Duration.ofSeconds(30), Duration.ofMillis(500))
                .stream().map(r -> events.decode(r.value()).getPayload())
                .filter(e -> e instanceof dev.mizani.schemas.participant.CredentialSet c && c.getParticipant().equals(payer.name()))
                .map(e -> ((dev.mizani.schemas.participant.CredentialSet) e).getCredentialSha256()).toList();
        assertThat(stored).as("credentials set for %s", payer.name()).hasSizeGreaterThanOrEqualTo(2)
                .allMatch(h -> h.startsWith("hmac-sha256:"))
                .contains(HttpHub.CREDENTIAL_KEY.digest(chosen))
                .doesNotContain(dev.mizani.platform.security.Credentials.sha256Hex(chosen));
    }
}
