import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A first transfer through a running hub, end to end, with nothing but a JDK (17 or newer):
 * <pre>java scripts/FirstTransfer.java</pre>
 * It onboards two DFSPs through the admin API (currency, net debit cap, liquidity, callback endpoints, credentials),
 * starts a tiny callback receiver for each on a free loopback port, sends the payer's prepare, lets the payee fulfil
 * the forwarded prepare, and prints every callback and both positions before and after.
 *
 * <p>Settings from the environment: MIZANI_ADMIN_URL (http://127.0.0.1:3001), MIZANI_TRANSFERS_URL
 * (http://127.0.0.1:3000), MIZANI_OPERATOR_TOKEN (else read from MIZANI_DATA_DIR/operator-token, ./data by default).
 * Exits 0 once the payer holds the COMMITTED callback, 1 otherwise.
 */
public class FirstTransfer {
    static final String TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    static final DateTimeFormatter FSPIOP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    static final Pattern CREDENTIAL = Pattern.compile("\"credential\"\\s*:\\s*\"([^\"]+)\"");

    static HttpClient http;
    static String admin;
    static String transfers;
    static String operator;

    public static void main(String[] args) throws Exception {
        // FSPIOP requests carry a Date header, which the JDK's client sends only when allowed.
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "date");
        http = HttpClient.newHttpClient();
        admin = env("MIZANI_ADMIN_URL", "http://127.0.0.1:3001");
        transfers = env("MIZANI_TRANSFERS_URL", "http://127.0.0.1:3000");
        operator = System.getenv("MIZANI_OPERATOR_TOKEN");
        if (operator == null || operator.isBlank()) {
            Path file = Path.of(env("MIZANI_DATA_DIR", "data"), "operator-token");
            if (!Files.exists(file)) {
                fail("no operator credential: set MIZANI_OPERATOR_TOKEN, or run from the directory the hub was started in ("
                        + file + " is missing)");
            }
            operator = Files.readString(file).trim();
        }
        String suffix = Integer.toString(new SecureRandom().nextInt(1 << 20), 36);
        String payer = "payerfsp" + suffix;
        String payee = "payeefsp" + suffix;
        String transferId = UUID.randomUUID().toString();
        byte[] preimage = new byte[32];
        new SecureRandom().nextBytes(preimage);
        String fulfilment = b64(preimage);
        String condition = b64(MessageDigest.getInstance("SHA-256").digest(preimage));

        CompletableFuture<String> committed = new CompletableFuture<>();
        Credentials credentials = new Credentials();
        HttpServer payerServer = receiver(payer, (exchange, body) -> {
            if (exchange.getRequestMethod().equals("PUT") && exchange.getRequestURI().getPath().endsWith("/error")) {
                committed.completeExceptionally(new IllegalStateException("the payer got an error callback: " + body));
            } else if (exchange.getRequestMethod().equals("PUT")) {
                committed.complete(body);
            }
        });
        HttpServer payeeServer = receiver(payee, (exchange, body) -> {
            if (exchange.getRequestMethod().equals("POST")) { // the forwarded prepare: fulfil it
                String answer = "{\"fulfilment\":\"" + fulfilment + "\",\"completedTimestamp\":\""
                        + FSPIOP_TIME.format(Instant.now()) + "\",\"transferState\":\"COMMITTED\"}";
                CompletableFuture.runAsync(() -> fspiop("PUT", "/transfers/" + transferId, payee, payer,
                        credentials.payee, answer));
            }
        });
        try {
            System.out.println("== onboarding " + payer + " and " + payee + " through the admin API at " + admin);
            credentials.payer = onboard(payer, payerServer);
            credentials.payee = onboard(payee, payeeServer);
            System.out.println();
            System.out.println("== positions before");
            printPositions(payer, payee);

            System.out.println();
            System.out.println("== " + payer + " prepares transfer " + transferId + ": 10.00 USD to " + payee);
            String prepare = "{\"transferId\":\"" + transferId + "\",\"payerFsp\":\"" + payer + "\",\"payeeFsp\":\""
                    + payee + "\",\"amount\":{\"amount\":\"10\",\"currency\":\"USD\"},\"ilpPacket\":\"AYIBgQAAAAAAAASw\","
                    + "\"condition\":\"" + condition + "\",\"expiration\":\""
                    + FSPIOP_TIME.format(Instant.now().plusSeconds(60)) + "\"}";
            fspiop("POST", "/transfers", payer, payee, credentials.payer, prepare);

            committed.get(30, TimeUnit.SECONDS);
            // The admin API follows the participants' events; give the commit a moment to reach it.
            Thread.sleep(500);
            System.out.println();
            System.out.println("== positions after (the payer's position rose by 10.00, the payee's fell by 10.00)");
            printPositions(payer, payee);
            System.out.println();
            System.out.println("The transfer is COMMITTED.");
        } catch (java.util.concurrent.TimeoutException e) {
            fail("no COMMITTED callback reached the payer within 30 s; see the hub's log");
        } finally {
            payerServer.stop(0);
            payeeServer.stop(0);
        }
    }

    static final class Credentials {
        volatile String payer;
        volatile String payee;
    }

    interface Handler {
        void handle(HttpExchange exchange, String body) throws Exception;
    }

    /** A DFSP's callback receiver on a free loopback port: prints each callback, answers 200, then acts on it. */
    static HttpServer receiver(String dfsp, Handler then) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("  callback to " + dfsp + ": " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI().getPath() + "  (FSPIOP-Source: "
                    + exchange.getRequestHeaders().getFirst("FSPIOP-Source") + ")");
            System.out.println("    " + body);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            try {
                then.handle(exchange, body);
            } catch (Exception e) {
                System.out.println("    (could not act on it: " + e + ")");
            }
        });
        server.start();
        return server;
    }

    /** Creates the DFSP with USD, a cap, 1,000.00 of liquidity, endpoints at its receiver; returns its credential. */
    static String onboard(String dfsp, HttpServer receiver) throws Exception {
        adminCall("POST", "/participants", "{\"name\":\"" + dfsp + "\",\"currency\":\"USD\"}");
        adminCall("POST", "/participants/" + dfsp + "/initialPositionAndLimits",
                "{\"currency\":\"USD\",\"limit\":{\"type\":\"NET_DEBIT_CAP\",\"value\":1000},\"initialPosition\":0}");
        String accounts = adminCall("GET", "/participants/" + dfsp + "/accounts", null);
        Matcher settlement = Pattern.compile("\"id\"\\s*:\\s*(\\d+)[^}]*\"ledgerAccountType\"\\s*:\\s*\"SETTLEMENT\"")
                .matcher(accounts);
        if (!settlement.find()) {
            fail("no SETTLEMENT account in " + accounts);
        }
        adminCall("POST", "/participants/" + dfsp + "/accounts/" + settlement.group(1),
                "{\"transferId\":\"" + UUID.randomUUID() + "\",\"externalReference\":\"first-transfer\","
                        + "\"action\":\"recordFundsIn\",\"reason\":\"opening\",\"amount\":{\"amount\":\"1000\",\"currency\":\"USD\"}}");
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        String[][] endpoints = {{"FSPIOP_CALLBACK_URL_TRANSFER_POST", base + "/transfers"},
                {"FSPIOP_CALLBACK_URL_TRANSFER_PUT", base + "/transfers/{{transferId}}"},
                {"FSPIOP_CALLBACK_URL_TRANSFER_ERROR", base + "/transfers/{{transferId}}/error"}};
        for (String[] e : endpoints) {
            adminCall("POST", "/participants/" + dfsp + "/endpoints", "{\"type\":\"" + e[0] + "\",\"value\":\"" + e[1] + "\"}");
        }
        Matcher credential = CREDENTIAL.matcher(adminCall("POST", "/participants/" + dfsp + "/credentials", null));
        if (!credential.find()) {
            fail("no credential issued for " + dfsp);
        }
        System.out.println("  " + dfsp + ": USD, net debit cap 1000, 1000 funds in, callbacks at " + base);
        return credential.group(1);
    }

    static void printPositions(String... dfsps) throws Exception {
        for (String dfsp : dfsps) {
            System.out.println("  " + dfsp + ": " + adminCall("GET", "/participants/" + dfsp + "/positions", null));
        }
    }

    static String adminCall(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(admin + path))
                .header("Authorization", "Bearer " + operator)
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> answer;
        try {
            answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            fail("cannot reach the admin API at " + admin + ": is the hub running?");
            return null;
        }
        if (answer.statusCode() >= 300) {
            fail(method + " " + path + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return answer.body();
    }

    /** An FSPIOP request as a DFSP sends it; the hub answers 202 (or 200) and the outcome comes by callback. */
    static void fspiop(String method, String path, String from, String to, String credential, String json) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(transfers + path))
                .header("Content-Type", TYPE).header("Accept", TYPE)
                .header("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)))
                .header("FSPIOP-Source", from).header("FSPIOP-Destination", to)
                .header("Authorization", "Bearer " + credential)
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build();
        try {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            System.out.println("  " + from + ": " + method + " " + path + " -> HTTP " + answer.statusCode()
                    + (answer.body().isEmpty() ? "" : " " + answer.body()));
            if (answer.statusCode() >= 300) {
                fail("the hub refused the request");
            }
        } catch (Exception e) {
            fail(method + " " + path + " failed: " + e);
        }
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    static void fail(String why) {
        System.err.println("first transfer failed: " + why);
        System.exit(1);
    }
}
