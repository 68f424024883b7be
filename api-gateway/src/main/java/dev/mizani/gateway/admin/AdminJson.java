package dev.mizani.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.mizani.gateway.participants.ParticipantsView.Account;
import dev.mizani.gateway.participants.ParticipantsView.Participant;
import dev.mizani.platform.domain.money.Currencies;
import io.helidon.webserver.http.ServerRequest;
import java.math.BigDecimal;
import java.time.Instant;

/** Reading the admin API's request bodies strictly and writing central-ledger's response shapes. */
final class AdminJson {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN.mappedFeature())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).maxNumberLength(40).maxStringLength(8_192).build());
    }

    private AdminJson() {}

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static ArrayNode array() {
        return JSON.createArrayNode();
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request body as a JSON object, or a 400 naming what is wrong. */
    static JsonNode body(ServerRequest req) {
        byte[] bytes = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0]; // Helidon refuses to read an absent entity
        if (bytes.length == 0) {
            throw AdminApi.invalidBody("a JSON object body is required");
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw AdminApi.invalidBody("the body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw AdminApi.badJson(e);
        } catch (java.io.IOException e) {
            throw AdminApi.invalidBody("the body could not be read");
        }
    }

    /** A required, printable, non-blank string field of at most 2048 characters. */
    static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            throw AdminApi.invalidBody(field + " is required");
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw AdminApi.invalidBody(field + " must be a non-empty string");
        }
        String value = node.asText();
        if (value.length() > 2_048 || value.chars().anyMatch(Character::isISOControl)) {
            throw AdminApi.invalidBody(field + " must be at most 2048 printable characters");
        }
        return value;
    }

    /** A required PEM block (printable lines) of at most 16 KiB. */
    static String pem(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw AdminApi.invalidBody(field + " is required: a PEM text");
        }
        String value = node.asText();
        if (value.length() > 16_384 || value.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r')) {
            throw AdminApi.invalidBody(field + " must be a PEM text of at most 16 KiB");
        }
        return value;
    }

    static String currency(JsonNode body, String field) {
        String currency = text(body, field);
        if (!currency.matches("[A-Z]{3}")) {
            // what central-ledger's schema check answers for a currency that is not three capital letters
            throw AdminApi.malformedBody(field + " '" + printable(currency) + "' is not three capital letters");
        }
        if (Currencies.scale(currency).isEmpty()) {
            throw AdminApi.invalidBody(field + " '" + printable(currency) + "' is not an ISO 4217 currency");
        }
        return currency;
    }

    /** {@code limit: {type: "NET_DEBIT_CAP", value}} in minor units; the value may not be negative. */
    static long netDebitCap(JsonNode body, String currency) {
        JsonNode limit = body.get("limit");
        if (limit == null || !limit.isObject()) {
            throw AdminApi.invalidBody("limit {type, value} is required");
        }
        if (!"NET_DEBIT_CAP".equals(text(limit, "type"))) {
            throw AdminApi.invalidBody("limit.type must be NET_DEBIT_CAP");
        }
        long cap = minor(limit.get("value"), currency, "limit.value", false);
        if (cap < 0) {
            throw AdminApi.invalidBody("limit.value must not be negative");
        }
        return cap;
    }

    /** A JSON number (or numeric string) as exact minor units of the currency: no more decimals than its scale. */
    static long minor(JsonNode node, String currency, String field, boolean mayBeNegative) {
        if (node == null || node.isNull()) {
            throw AdminApi.invalidBody(field + " is required");
        }
        BigDecimal value;
        try {
            value = node.isNumber() ? node.decimalValue()
                    : node.isTextual() && node.asText().matches("-?[0-9]{1,19}(\\.[0-9]{1,8})?") ? new BigDecimal(node.asText())
                    : null;
        } catch (NumberFormatException e) {
            value = null;
        }
        if (value == null) {
            throw AdminApi.invalidBody(field + " must be a number");
        }
        if (value.signum() < 0 && !mayBeNegative) {
            throw AdminApi.invalidBody(field + " must not be negative");
        }
        int scale = Currencies.scale(currency).orElseThrow();
        try {
            return value.movePointRight(scale).stripTrailingZeros().longValueExact();
        } catch (ArithmeticException e) {
            throw AdminApi.invalidBody(field + " " + value.toPlainString() + " has more than " + scale
                    + " decimals for " + currency + " or is too large");
        }
    }

    static int nonNegativeInt(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < 0) {
            throw AdminApi.invalidBody(field + " must be a whole number from 0 to " + Integer.MAX_VALUE);
        }
        return node.intValue();
    }

    static DecimalNode amount(long minor, String currency) {
        BigDecimal value = BigDecimal.valueOf(minor, Currencies.scale(currency).orElseThrow()).stripTrailingZeros();
        return new DecimalNode(value.scale() < 0 ? value.setScale(0) : value);
    }

    static String printable(String s) {
        String p = s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
        return p.length() <= 64 ? p : p.substring(0, 64) + "...";
    }

    /** An ISO-8601 instant query parameter, or the default when absent. */
    static Instant instantParameter(ServerRequest req, String name, Instant otherwise) {
        var value = req.query().first(name).asOptional();
        if (value.isEmpty()) {
            return otherwise;
        }
        try {
            return java.time.OffsetDateTime.parse(value.get()).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw AdminApi.invalidBody(name + " must be an ISO-8601 date-time such as 2026-01-31T12:00:00.000Z");
        }
    }

    // ---- central-ledger response shapes ----

    static ObjectNode settlementWindow(dev.mizani.schemas.readside.SettlementWindowQueries.Window w) {
        ObjectNode json = object().put("settlementWindowId", w.windowId()).put("state", w.state());
        json.put("reason", w.reason());
        json.put("createdDate", w.openedAt() == null ? null : iso(w.openedAt()));
        json.put("changedDate", w.closedAt() != null ? iso(w.closedAt()) : w.openedAt() == null ? null : iso(w.openedAt()));
        return json;
    }

    static ObjectNode participant(Participant p, String base) {
        String link = base + "/participants/" + p.name();
        ObjectNode json = object().put("name", p.name()).put("id", link).put("created", iso(p.createdAt()))
                .put("isActive", p.active() ? 1 : 0);
        json.putObject("links").put("self", link);
        ArrayNode accounts = json.putArray("accounts");
        for (Account a : p.accounts()) {
            accounts.addObject().put("id", a.positionAccountId()).put("ledgerAccountType", "POSITION")
                    .put("currency", a.currency()).put("isActive", p.active() ? 1 : 0).put("createdBy", "unknown");
            accounts.addObject().put("id", a.settlementAccountId()).put("ledgerAccountType", "SETTLEMENT")
                    .put("currency", a.currency()).put("isActive", p.active() ? 1 : 0).put("createdBy", "unknown");
        }
        json.put("isProxy", false);
        return json;
    }

    static ObjectNode limit(Account a) {
        ObjectNode json = object().put("currency", a.currency());
        json.putObject("limit").put("type", "NET_DEBIT_CAP").set("value", amount(a.netDebitCapMinor(), a.currency()));
        return json;
    }

    static ObjectNode position(Account a) {
        ObjectNode json = object().put("currency", a.currency());
        json.set("value", amount(a.positionMinor(), a.currency()));
        return json.put("changedDate", iso(a.changedAt()));
    }

    /**
     * Both accounts of a currency. As in central-ledger, the settlement account's value is the negative of the
     * liquidity cover deposited, and a funds out moves it when it is prepared (reserved), not when it is committed;
     * an abort moves it back. Its reserved value stays 0, as central-ledger's does.
     */
    static void accounts(Account a, boolean active, ArrayNode into) {
        ObjectNode position = into.addObject().put("id", a.positionAccountId()).put("ledgerAccountType", "POSITION")
                .put("currency", a.currency()).put("isActive", active ? 1 : 0);
        position.set("value", amount(a.positionMinor(), a.currency()));
        position.set("reservedValue", amount(a.reservedMinor(), a.currency()));
        position.put("changedDate", iso(a.changedAt()));
        ObjectNode settlement = into.addObject().put("id", a.settlementAccountId()).put("ledgerAccountType", "SETTLEMENT")
                .put("currency", a.currency()).put("isActive", active ? 1 : 0);
        settlement.set("value", amount(Math.subtractExact(a.fundsOutReservedMinor(), a.liquidityCoverMinor()), a.currency()));
        settlement.set("reservedValue", amount(0, a.currency()));
        settlement.put("changedDate", iso(a.changedAt()));
    }

    static ObjectNode rateLimit(Participant p) {
        return object().put("name", p.name()).put("requestsPerSecond", p.requestsPerSecond()).put("burst", p.burst());
    }

    private static String iso(Instant at) {
        return at == null ? null : at.toString();
    }
}
