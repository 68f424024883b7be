package dev.mizani.loadtest.ftps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

/** A simulated DFSP onboarded as an operator's script does it, through the admin API only. */
public final class Onboarding {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Onboarding() {}

    /** The admin API, as an operator's script calls it; any other status than the expected one stops the run. */
    public record Admin(HttpClient http, String base, String token) {
        public String call(String method, String path, String json, int expected) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                    .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != expected) {
                throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        }
    }

    /**
     * Creates the DFSP with USD, a net debit cap, liquidity deposited into its settlement account, the three transfer
     * callback endpoints under {@code callbackBase}, and returns the credential issued to it.
     */
    public static String dfsp(Admin a, String name, String callbackBase, String ndc, String liquidity) throws Exception {
        a.call("POST", "/participants", "{\"name\":\"" + name + "\",\"currency\":\"USD\"}", 201);
        a.call("POST", "/participants/" + name + "/initialPositionAndLimits",
                "{\"currency\":\"USD\",\"limit\":{\"type\":\"NET_DEBIT_CAP\",\"value\":" + ndc + "},\"initialPosition\":0}", 201);
        int settlement = -1;
        for (JsonNode account : JSON.readTree(a.call("GET", "/participants/" + name + "/accounts", null, 200))) {
            if (account.get("ledgerAccountType").asText().equals("SETTLEMENT")) {
                settlement = account.get("id").asInt();
            }
        }
        a.call("POST", "/participants/" + name + "/accounts/" + settlement, """
                {"transferId":"%s","externalReference":"load-test","action":"recordFundsIn","reason":"load test",
                 "amount":{"amount":"%s","currency":"USD"}}""".formatted(UUID.randomUUID(), liquidity), 202);
        for (String[] e : new String[][] {{"FSPIOP_CALLBACK_URL_TRANSFER_POST", callbackBase + "/transfers"},
                {"FSPIOP_CALLBACK_URL_TRANSFER_PUT", callbackBase + "/transfers/{{transferId}}"},
                {"FSPIOP_CALLBACK_URL_TRANSFER_ERROR", callbackBase + "/transfers/{{transferId}}/error"}}) {
            a.call("POST", "/participants/" + name + "/endpoints", "{\"type\":\"" + e[0] + "\",\"value\":\"" + e[1] + "\"}", 201);
        }
        return JSON.readTree(a.call("POST", "/participants/" + name + "/credentials", null, 201)).get("credential").asText();
    }
}
