package dev.mizani.hub.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.mizani.gateway.Gateway;
import dev.mizani.gateway.callbacks.CallbackNotifier;
import dev.mizani.gateway.transfers.TransfersGateway;
import dev.mizani.projections.ProjectionHandler;
import dev.mizani.projections.Rebuild;
import dev.mizani.query.QueryApi;
import dev.mizani.platform.security.Credentials;
import dev.mizani.hub.lifecycle.HubFixture;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.testing.Await;
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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The embedded hub with its gateway, driven only over HTTP as operators and DFSPs do: onboarding through
 * the admin API with the operator's credential, FSPIOP calls with each DFSP's issued credential, and
 * every DFSP a real HTTP server receiving its callbacks.
 */
final class HttpHub implements AutoCloseable {
    static final String OPERATOR = "operator-credential-for-tests-0123456789";
    /** The hub's key for participants' credentials in these tests. */
    static final dev.mizani.platform.security.CredentialKey CREDENTIAL_KEY =
            new dev.mizani.platform.security.CredentialKey("credential-key-for-tests-0123456789abcdef");
    static final String TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** FSPIOP DateTime always carries milliseconds; ISO_INSTANT drops them when they are zero, once a second in a thousand. */
    static final DateTimeFormatter FSPIOP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    final HubFixture f;
    final Gateway gateway;
    final ProjectionHandler projections;
    final QueryApi query;

    /** {@code headers}: the first value of each, by lower-case name. */
    record Received(String method, String path, String body, String source, String destination, String date,
                    String accept, String fspiopUri, String fspiopHttpMethod, Map<String, String> headers) {}

    /** A simulated DFSP: its name, its credential and what its callback server received. */
    record Dfsp(String name, String credential, List<Received> inbox, HttpServer server) {
        Received awaitCallback(String method, String path, String transferId) {
            Predicate<Received> match = r -> r.method().equals(method) && r.path().equals(path)
                    && (path.contains(transferId) || r.body().contains(transferId));
            Await.until(HubFixture.BOUND, name + " receives " + method + " " + path, () -> inbox.stream().anyMatch(match));
            return inbox.stream().filter(match).findFirst().orElseThrow();
        }

        boolean received(String transferId) {
            return inbox.stream().anyMatch(r -> r.path().contains(transferId) || r.body().contains(transferId));
        }
    }

    record Prepared(String id, String fulfilment, String body) {}

    HttpHub(int rateLimitPerSecond, int burst) throws Exception {
        this(rateLimitPerSecond, burst, java.util.Optional.empty());
    }

    HttpHub(int rateLimitPerSecond, int burst, java.util.Optional<dev.mizani.gateway.security.MutualTls> mutualTls)
            throws Exception {
        this(rateLimitPerSecond, burst, mutualTls, dev.mizani.gateway.security.Jws.Settings.NONE);
    }

    HttpHub(int rateLimitPerSecond, int burst, java.util.Optional<dev.mizani.gateway.security.MutualTls> mutualTls,
            dev.mizani.gateway.security.Jws.Settings jws) throws Exception {
        this(rateLimitPerSecond, burst, mutualTls, jws, null);
    }

    /** {@code gatewayRegistry}: the registry cache the gateway reads through (one behind a link, say); null: the shared one. */
    HttpHub(int rateLimitPerSecond, int burst, java.util.Optional<dev.mizani.gateway.security.MutualTls> mutualTls,
            dev.mizani.gateway.security.Jws.Settings jws, dev.mizani.schemas.registry.CachedSchemaRegistry gatewayRegistry)
            throws Exception {
        this(rateLimitPerSecond, burst, mutualTls, jws, gatewayRegistry, null);
    }

    /** {@code notifierInstanceId}: the callback notifier's static membership of its group, as a hub process has; or null. */
    HttpHub(int rateLimitPerSecond, int burst, java.util.Optional<dev.mizani.gateway.security.MutualTls> mutualTls,
            dev.mizani.gateway.security.Jws.Settings jws, dev.mizani.schemas.registry.CachedSchemaRegistry gatewayRegistry,
            String notifierInstanceId) throws Exception {
        f = new HubFixture(ProcessorHooks.NONE);
        projections = new ProjectionHandler(f.infra.dataSource, f.infra.bootstrap(), f.infra.registry,
                ProjectionHandler.Settings.defaults(), ProjectionHandler.Hooks.NONE).start().export(f.hub.metrics);
        gateway = new Gateway(f.infra.bootstrap(), gatewayRegistry != null ? gatewayRegistry : f.infra.registry,
                Clock.systemUTC(), new Gateway.Settings("127.0.0.1",
                0, 0, Credentials.sha256Hex(OPERATOR), "Hub", rateLimitPerSecond, burst, Duration.ofSeconds(10),
                Duration.ofSeconds(20), new CallbackNotifier.Settings(64, 2, Duration.ofMillis(50), 8, notifierInstanceId,
                Duration.ofSeconds(5)), mutualTls,
                TransfersGateway.COMMAND_LINGER_MS_DEFAULT, CREDENTIAL_KEY,
                dev.mizani.gateway.fspiop.CompletedTimestampWindow.MOJALOOP_DEFAULT, jws), f.infra.dataSource,
                new dev.mizani.projections.SettlementWindows(f.infra.dataSource), f.hub.metrics, f.hub.health,
                f.hub::commitsBlocked);
        query = new QueryApi(f.infra.dataSource, projections::lag, () -> new Rebuild(f.infra.dataSource, projections),
                f.hub.metrics, f.hub.health,
                new QueryApi.Settings("127.0.0.1", 0, Credentials.sha256Hex(OPERATOR), 50, CREDENTIAL_KEY)).start();
    }

    /** A GET on the query API with a bearer credential. */
    HttpResponse<String> query(String credential, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + path))
                .header("Authorization", "Bearer " + credential).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> admin(String method, String path, String json) throws Exception {
        return adminAs(OPERATOR, method, path, json);
    }

    HttpResponse<String> adminAs(String credential, String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.admin.port() + path))
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (credential != null) {
            b.header("Authorization", "Bearer " + credential);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    /**
     * What a hub operator's onboarding script does, through the admin API: participant with USD, initial
     * position and NDC, funds in to the settlement account, the three transfer endpoints at the DFSP's own
     * server, and a credential.
     */
    Dfsp onboard(String name, String ndc, String liquidity, boolean withEndpoints) throws Exception {
        List<Received> inbox = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", exchange -> {
            var h = exchange.getRequestHeaders();
            inbox.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    h.getFirst("FSPIOP-Source"), h.getFirst("FSPIOP-Destination"), h.getFirst("Date"), h.getFirst("Accept"),
                    h.getFirst("FSPIOP-URI"), h.getFirst("FSPIOP-HTTP-Method"), firstValues(h)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        expect(admin("POST", "/participants", "{\"name\":\"" + name + "\",\"currency\":\"USD\"}"), 201);
        expect(admin("POST", "/participants/" + name + "/initialPositionAndLimits",
                "{\"currency\":\"USD\",\"limit\":{\"type\":\"NET_DEBIT_CAP\",\"value\":" + ndc + "},\"initialPosition\":0}"), 201);
        int settlement = settlementAccountId(name);
        expect(admin("POST", "/participants/" + name + "/accounts/" + settlement, """
                {"transferId":"%s","externalReference":"onboarding","action":"recordFundsIn","reason":"seed",
                 "amount":{"amount":"%s","currency":"USD"}}""".formatted(UUID.randomUUID(), liquidity)), 202);
        if (withEndpoints) {
            registerEndpoints(name, "http://127.0.0.1:" + server.getAddress().getPort());
        }
        HttpResponse<String> issued = expect(admin("POST", "/participants/" + name + "/credentials", null), 201);
        return new Dfsp(name, json(issued).get("credential").asText(), inbox, server);
    }

    int settlementAccountId(String name) throws Exception {
        for (JsonNode account : json(expect(admin("GET", "/participants/" + name + "/accounts", null), 200))) {
            if (account.get("ledgerAccountType").asText().equals("SETTLEMENT") && account.get("currency").asText().equals("USD")) {
                return account.get("id").asInt();
            }
        }
        throw new AssertionError(name + " has no USD settlement account");
    }

    /** The three FSPIOP transfer endpoints of a DFSP whose callback server is at {@code base}. */
    void registerEndpoints(String name, String base) throws Exception {
        endpoint(name, "FSPIOP_CALLBACK_URL_TRANSFER_POST", base + "/transfers");
        endpoint(name, "FSPIOP_CALLBACK_URL_TRANSFER_PUT", base + "/transfers/{{transferId}}");
        endpoint(name, "FSPIOP_CALLBACK_URL_TRANSFER_ERROR", base + "/transfers/{{transferId}}/error");
    }

    private void endpoint(String name, String type, String url) throws Exception {
        expect(admin("POST", "/participants/" + name + "/endpoints", "{\"type\":\"" + type + "\",\"value\":\"" + url + "\"}"), 201);
    }

    private static Map<String, String> firstValues(com.sun.net.httpserver.Headers h) {
        Map<String, String> first = new java.util.TreeMap<>();
        h.forEach((name, values) -> first.put(name.toLowerCase(java.util.Locale.ROOT), values.getFirst()));
        return first;
    }

    static HttpResponse<String> expect(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.request().method() + " " + response.request().uri() + ": "
                + response.body()).isEqualTo(status);
        return response;
    }

    /** An FSPIOP call as {@code as} (its credential), claiming to be {@code source}. */
    HttpResponse<String> fspiop(Dfsp as, String source, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = request(method, path, body).header("FSPIOP-Source", source);
        if (as != null) {
            b.header("Authorization", "Bearer " + as.credential());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> fspiop(Dfsp as, String method, String path, String body) throws Exception {
        return fspiop(as, as.name(), method, path, body);
    }

    HttpRequest.Builder request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.transfers.port() + path))
                .header("Content-Type", TYPE).header("Accept", TYPE)
                .header("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)))
                .method(method, HttpRequest.BodyPublishers.ofString(body));
    }

    static Prepared prepareBody(String payer, String payee, String amount, Duration expiresIn) throws Exception {
        byte[] preimage = new byte[32];
        ThreadLocalRandom.current().nextBytes(preimage);
        String id = UUID.randomUUID().toString();
        String condition = b64(MessageDigest.getInstance("SHA-256").digest(preimage));
        String expiration = FSPIOP_TIME.format(Instant.now().plus(expiresIn));
        String body = """
                {"transferId":"%s","payerFsp":"%s","payeeFsp":"%s","amount":{"amount":"%s","currency":"USD"},
                 "ilpPacket":"AYIBgQAAAAAAAASw","condition":"%s","expiration":"%s"}"""
                .formatted(id, payer, payee, amount, condition, expiration);
        return new Prepared(id, b64(preimage), body);
    }

    static String fulfilBody(String fulfilment) {
        return "{\"fulfilment\":\"" + fulfilment + "\",\"completedTimestamp\":\""
                + FSPIOP_TIME.format(Instant.now()) + "\",\"transferState\":\"COMMITTED\"}";
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A participant's USD position and reserved amount, as the admin API reports them. */
    long[] positionAndReserved(String name) throws Exception {
        for (JsonNode account : json(expect(admin("GET", "/participants/" + name + "/accounts", null), 200))) {
            if (account.get("ledgerAccountType").asText().equals("POSITION")) {
                return new long[] {account.get("value").decimalValue().movePointRight(2).longValueExact(),
                        account.get("reservedValue").decimalValue().movePointRight(2).longValueExact()};
            }
        }
        throw new AssertionError(name + " has no position account");
    }

    /**
     * The position once nothing is reserved: a transfer an earlier test left in progress (refused answers, no
     * callback awaited) may still hold a reservation until it expires.
     */
    long[] settledPosition(String name) throws Exception {
        Await.until(HubFixture.BOUND, name + " holds no reservation", () -> {
            try {
                return positionAndReserved(name)[1] == 0;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return positionAndReserved(name);
    }

    void awaitPosition(String name, long position, long reserved) {
        Await.until(HubFixture.BOUND, name + " at position " + position + " reserved " + reserved, () -> {
            try {
                long[] now = positionAndReserved(name);
                return now[0] == position && now[1] == reserved;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public void close() throws Exception {
        query.close();
        gateway.close();
        projections.close();
        f.close();
    }
}
