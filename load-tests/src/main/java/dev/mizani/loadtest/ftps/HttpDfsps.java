package dev.mizani.loadtest.ftps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mizani.loadtest.ftps.Flights.Flight;
import dev.mizani.loadtest.ftps.Flights.Plan;
import java.io.IOException;
import dev.mizani.platform.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulated DFSPs of HTTP mode: one callback server for all of them (each under its own path), onboarded
 * through the admin API as an operator's script would, and an FSPIOP client that prepares as the payer and
 * answers as the payee. The payee answers each forwarded prepare as its transfer's plan says: the fulfilment,
 * a 5104 reject, or nothing (so the transfer expires). The client and the callback server are the hub's own
 * ({@link dev.mizani.platform.http.HttpClient}, {@link HttpServer}), one event-loop thread each, so the generator's
 * cost stays small beside the hub's.
 */
final class HttpDfsps implements TransferDriver {
    private static final String TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    private static final DateTimeFormatter FSPIOP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern TRANSFER_ID = Pattern.compile("\"transferId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ERROR_CODE = Pattern.compile("\"errorCode\"\\s*:\\s*\"(\\d+)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<String> names = new ArrayList<>();
    final List<String> credentials = new ArrayList<>();
    private final Flights flights;
    private final dev.mizani.platform.http.HttpClient http;
    private final HttpServer callbacks;
    /** The gateways' origins: DFSP i sends through the i-th, modulo their number. */
    private final List<dev.mizani.platform.http.HttpClient.Origin> gateways;
    /** The Date header's value with the second it names, formatted once a second rather than per request. */
    private record Stamp(long second, String value) {}
    private volatile Stamp date = new Stamp(-1, "");

    /** @param connections to each gateway at most */
    HttpDfsps(Flights flights, List<String> gateways, int connections) throws IOException {
        this.flights = flights;
        this.gateways = gateways.stream().map(g -> dev.mizani.platform.http.HttpClient.Origin.of(URI.create(g))).toList();
        this.http = new dev.mizani.platform.http.HttpClient("loop-http", connections, 30_000, null);
        this.callbacks = new HttpServer(new HttpServer.Settings("loop-http-callbacks", "0.0.0.0", 0, 1, 16_384, 16 * 1024,
                1 << 20, 30_000, 30_000, 300_000, null), (request, exchange) -> {
                    callback(request.method(), request.path(), request.body());
                    exchange.reply(OK);
                }, (status, reason) -> new HttpServer.Reply(status, "text/plain", reason.getBytes(StandardCharsets.UTF_8), null));
    }

    private static final HttpServer.Reply OK = new HttpServer.Reply(200, null, null, null);

    /** Routes a callback by its path: {@code /{dfsp}/transfers}, {@code /{dfsp}/transfers/{id}} or {@code .../error}. */
    private void callback(String method, String path, byte[] body) {
        String[] p = path.split("/");  // "", dfsp, "transfers", id, "error"
        if (p.length < 3 || !p[2].equals("transfers")) {
            return;
        }
        String dfsp = p[1];
        if (method.equals("POST") && p.length == 3) {
            forwardedPrepare(new String(body, StandardCharsets.UTF_8));
        } else if (method.equals("PUT") && p.length == 5 && p[4].equals("error")) {
            errorCallback(dfsp, p[3], new String(body, StandardCharsets.UTF_8));
        } else if (method.equals("PUT") && p.length == 4) {
            commitCallback(dfsp, p[3]);
        }
        // PATCH (the payee's commit notice) needs nothing
    }

    /** Creates the DFSPs through the admin API: currency, NDC, liquidity, endpoints at this server, credential. */
    void onboard(String admin, String operatorToken, String callbackHost, int count, String runId) throws Exception {
        Onboarding.Admin a = new Onboarding.Admin(HttpClient.newHttpClient(), admin, operatorToken);
        for (int i = 0; i < count; i++) {
            String name = "ld" + runId + "d" + i;
            String base = "http://" + callbackHost + ":" + callbacks.port() + "/" + name;
            credentials.add(Onboarding.dfsp(a, name, base, LoadRun.NDC, LoadRun.LIQUIDITY));
            names.add(name);
        }
    }

    /** The position and reserved amount of each DFSP, in cents, from the admin API. */
    long[][] positions(String admin, String operatorToken) throws Exception {
        Onboarding.Admin a = new Onboarding.Admin(HttpClient.newHttpClient(), admin, operatorToken);
        long[][] out = new long[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            for (JsonNode account : JSON.readTree(a.call("GET", "/participants/" + names.get(i) + "/accounts", null, 200))) {
                if (account.get("ledgerAccountType").asText().equals("POSITION")) {
                    out[i] = new long[] {account.get("value").decimalValue().movePointRight(2).longValueExact(),
                            account.get("reservedValue").decimalValue().movePointRight(2).longValueExact()};
                }
            }
        }
        return out;
    }

    /** POST /transfers as the payer; a refusal ends the transfer here with its HTTP status and FSPIOP code. */
    @Override
    public void prepare(Flight f, String amount, String condition, Instant expiration) {
        String body = "{\"transferId\":\"" + f.id + "\",\"payerFsp\":\"" + names.get(f.payer) + "\",\"payeeFsp\":\""
                + names.get(f.payee) + "\",\"amount\":{\"amount\":\"" + amount + "\",\"currency\":\"USD\"},"
                + "\"ilpPacket\":\"AYIBgQAAAAAAAASw\",\"condition\":\"" + condition + "\",\"expiration\":\""
                + FSPIOP_TIME.format(expiration) + "\"}";
        send("POST", "/transfers", f.payer, f.payee, body, f.id);
    }

    private void send(String method, String path, int from, int to, String body, String transferId) {
        Map<String, String> headers = Map.of("Content-Type", TYPE, "Accept", TYPE, "Date", date(),
                "FSPIOP-Source", names.get(from), "FSPIOP-Destination", names.get(to),
                "Authorization", "Bearer " + credentials.get(from));
        http.send(gateways.get(from % gateways.size()), method, path, headers, body.getBytes(StandardCharsets.UTF_8),
                (status, answer, failure) -> {
            if (failure != null) {
                flights.refused(transferId, "generator: " + failure, System.nanoTime());
            } else if (status / 100 != 2) {
                Matcher m = ERROR_CODE.matcher(new String(answer, StandardCharsets.UTF_8));
                flights.refused(transferId, "HTTP " + status + (m.find() ? " " + m.group(1) : ""), System.nanoTime());
            }
        });
    }

    private String date() {
        long second = System.currentTimeMillis() / 1000;
        Stamp d = date;
        if (d.second() != second) {
            d = new Stamp(second, DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochSecond(second).atOffset(ZoneOffset.UTC)));
            date = d;
        }
        return d.value();
    }

    private void forwardedPrepare(String body) {
        long now = System.nanoTime();
        Matcher m = TRANSFER_ID.matcher(body);
        if (!m.find()) {
            return;
        }
        String id = m.group(1);
        flights.reserved(id, now);
        Flight f = flights.flight(id);
        if (f == null || f.plan == Plan.EXPIRE) {
            return;
        }
        f.answeredNs = System.nanoTime();
        flights.answersSent.increment();
        if (f.plan == Plan.REJECT) {
            send("PUT", "/transfers/" + id + "/error", f.payee, f.payer,
                    "{\"errorInformation\":{\"errorCode\":\"5104\",\"errorDescription\":\"Transaction request rejected\"}}", id);
        } else {
            send("PUT", "/transfers/" + id, f.payee, f.payer, "{\"fulfilment\":\"" + f.fulfilment
                    + "\",\"completedTimestamp\":\"" + FSPIOP_TIME.format(Instant.now()) + "\",\"transferState\":\"COMMITTED\"}", id);
        }
    }

    private void commitCallback(String dfsp, String id) {
        if (toPayer(dfsp, id)) {
            flights.ended(id, null, System.nanoTime());
        }
    }

    /**
     * An error callback ends the transfer when it reaches the payer. The payee hears of an expiry or abort too,
     * and of the refusal of an answer that came too late; those are not the payer's outcome.
     */
    private void errorCallback(String dfsp, String id, String body) {
        if (toPayer(dfsp, id)) {
            Matcher m = ERROR_CODE.matcher(body);
            flights.ended(id, m.find() ? m.group(1) : "unreadable", System.nanoTime());
        } else {
            flights.payeeErrors.increment();
        }
    }

    /** True when the callback is addressed to the transfer's payer. */
    private boolean toPayer(String dfsp, String id) {
        int payer = flights.payerOf(id);
        return payer >= 0 && names.get(payer).equals(dfsp);
    }

    @Override
    public void close() throws InterruptedException {
        http.close();
        callbacks.close();
    }
}
