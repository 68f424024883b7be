package dev.mizani.gateway.fspiop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** POST /transfers bodies: the valid one, and the bad-input suite, each answered 4xx with its FSPIOP code. */
class TransferBodiesTest {
    static final String ID = "b51ec534-ee48-4575-b6a9-ead2955b8069";
    static final String CONDITION = "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM";
    static final String VALID = """
            {"transferId":"%s","payerFsp":"dfsp-a","payeeFsp":"dfsp-b",
             "amount":{"amount":"123.45","currency":"USD"},"ilpPacket":"AYIBgQAAAAAAAASw",
             "condition":"%s","expiration":"2026-11-21T12:00:00.000Z",
             "extensionList":{"extension":[{"key":"k","value":"v"}]}}""".formatted(ID, CONDITION);

    private static TransferBodies.Parsed<PrepareRequest> parse(String body) {
        return TransferBodies.prepare(body.getBytes(StandardCharsets.UTF_8));
    }

    private static FspiopRejection rejected(String body) {
        return ((TransferBodies.Rejected<PrepareRequest>) parse(body)).rejection();
    }

    @Test
    void aValidPrepareParsesEveryElement() {
        PrepareRequest r = ((TransferBodies.Valid<PrepareRequest>) parse(VALID)).request();
        assertThat(r.transferId()).isEqualTo(ID);
        assertThat(r.payerFsp()).isEqualTo("dfsp-a");
        assertThat(r.amount()).isEqualTo("123.45");
        assertThat(r.currency()).isEqualTo("USD");
        assertThat(r.expiration()).isEqualTo(Instant.parse("2026-11-21T12:00:00Z"));
        assertThat(r.extensions()).containsExactly(new PrepareRequest.Extension("k", "v"));
        assertThat(r.requestHash()).hasSize(64);
    }

    @Test
    void theHashIgnoresKeyOrderAndSpacingButNotValues() {
        String reordered = """
                { "condition" : "%s", "transferId":"%s", "payeeFsp":"dfsp-b","payerFsp":"dfsp-a",
                  "expiration":"2026-11-21T12:00:00.000Z", "ilpPacket":"AYIBgQAAAAAAAASw",
                  "amount":{"currency":"USD","amount":"123.45"},
                  "extensionList":{"extension":[{"value":"v","key":"k"}]} }""".formatted(CONDITION, ID);
        String hash = ((TransferBodies.Valid<PrepareRequest>) parse(VALID)).request().requestHash();
        assertThat(((TransferBodies.Valid<PrepareRequest>) parse(reordered)).request().requestHash()).isEqualTo(hash);
        assertThat(((TransferBodies.Valid<PrepareRequest>) parse(VALID.replace("123.45", "123.46"))).request().requestHash())
                .isNotEqualTo(hash);
    }

    /** Stored request hashes are compared with later requests', so the canonical form may never change. */
    @Test
    void theHashIsTheSha256OfTheSortedCompactBody() throws Exception {
        String canonical = ("{\"amount\":{\"amount\":\"123.45\",\"currency\":\"USD\"},\"condition\":\"%s\","
                + "\"expiration\":\"2026-11-21T12:00:00.000Z\",\"extensionList\":{\"extension\":[{\"key\":\"k\",\"value\":\"v\"}]},"
                + "\"ilpPacket\":\"AYIBgQAAAAAAAASw\",\"payeeFsp\":\"dfsp-b\",\"payerFsp\":\"dfsp-a\",\"transferId\":\"%s\"}")
                .formatted(CONDITION, ID);
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        assertThat(((TransferBodies.Valid<PrepareRequest>) parse(VALID)).request().requestHash()).isEqualTo(expected);
    }

    /** The definition allows offsets up to ±19:59, beyond java.time's ±18:00; the instant is still exact. */
    @Test
    void anExpirationWithALargeOffsetNamesItsInstant() {
        PrepareRequest r = ((TransferBodies.Valid<PrepareRequest>) parse(
                VALID.replace("2026-11-21T12:00:00.000Z", "2026-11-21T12:00:00.250+19:30"))).request();
        assertThat(r.expiration()).isEqualTo(Instant.parse("2026-11-20T16:30:00.250Z"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty body                 | @EMPTY                                                  | 400 | 3101 | the body is empty",
            "truncated                  | @TRUNCATED                                              | 400 | 3101 | not well-formed JSON",
            "an array                   | @ARRAY                                                  | 400 | 3101 | must be a JSON object",
            "trailing tokens            | @TRAILING                                               | 400 | 3101 | not well-formed JSON",
            "duplicate key              | @DUPLICATE                                              | 400 | 3101 | Duplicate field",
            "unknown element            | \"payer\":\"x\",                                        | 400 | 3103 | unexpected element 'payer'",
            "missing transferId         | @MISSING_ID                                             | 400 | 3102 | transferId is missing",
            "amount as a number         | \"123.45\"->123.45                                      | 400 | 3100 | amount.amount must be a string",
            "huge amount                | \"123.45\"->\"12345678901234567890\"                    | 400 | 3100 | amount.amount must be an FSPIOP amount",
            "negative amount            | \"123.45\"->\"-5\"                                      | 400 | 3100 | amount.amount must be an FSPIOP amount",
            "over-scale amount          | \"123.45\"->\"1.005\"                                   | 400 | 3100 | has 3 decimals; USD allows 2",
            "unknown currency           | \"USD\"->\"XYZ\"                                        | 400 | 3100 | not a supported ISO 4217 currency",
            "impossible date            | 2026-11-21T12:00:00.000Z->2026-02-30T00:00:00.000Z     | 400 | 3100 | expiration must be an FSPIOP DateTime",
            "date without milliseconds  | 2026-11-21T12:00:00.000Z->2026-11-21T12:00:00Z         | 400 | 3100 | expiration must be an FSPIOP DateTime",
            "unicode in the id          | b51ec534-->b51ëc534-                                    | 400 | 3100 | transferId must be a lower-case UUID",
            "control character in an id | \"dfsp-a\"->\"dfsp\\u0000a\"                            | 400 | 3100 | payerFsp must be an FSP id",
            "FSP id too long            | \"dfsp-a\"->\"dfsp-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"  | 400 | 3100 | payerFsp must be an FSP id",
            "short condition            | GRzLaTP7DJ9t4P->GRz                                     | 400 | 3100 | condition must be",
            "bad ILP packet             | AYIBgQAAAAAAAASw->AYIB gQ                               | 400 | 3100 | ilpPacket must be",
            "id of the wrong type       | \"transferId\":\"%s\"->\"transferId\":{}                | 400 | 3100 | transferId must be a string"})
    void badInputIsRefusedNamingWhatIsWrong(String what, String change, int status, int code, String detail) {
        String body = switch (change.trim()) {
            case "@EMPTY" -> "";
            case "@ARRAY" -> "[]";
            case "@TRUNCATED" -> VALID.substring(0, VALID.length() / 2);
            case "@TRAILING" -> VALID + " {}";
            case "@DUPLICATE" -> VALID.replace("\"payerFsp\":\"dfsp-a\"", "\"payerFsp\":\"dfsp-a\",\"payerFsp\":\"dfsp-c\"");
            case "@MISSING_ID" -> VALID.replace("\"transferId\":\"" + ID + "\",", "");
            default -> change.contains("->")
                    ? VALID.replace(change.split("->")[0].trim().replace("%s", ID), change.split("->")[1].trim())
                    : VALID.replaceFirst("\\{", "{" + change.trim());
        };
        assertThat(body).as("the case changes the body").isNotEqualTo(VALID);
        FspiopRejection r = rejected(body);
        assertThat(r.httpStatus()).isEqualTo(status);
        assertThat(r.error().code()).isEqualTo(code);
        assertThat(r.detail()).contains(detail.trim());
        assertThat(r.toJson()).contains("\"errorCode\":\"" + code + "\"");
    }

    @Test
    void oversizedAndDeeplyNestedBodiesAreRefusedBeforeParsingThemWhole() {
        String oversized = VALID.replace("AYIBgQAAAAAAAASw", "A".repeat(TransferBodies.BODY_BYTES_MAX));
        assertThat(rejected(oversized).httpStatus()).isEqualTo(413);
        assertThat(rejected(oversized).error().code()).isEqualTo(3104);
        String nested = VALID.replace("{\"key\":\"k\",\"value\":\"v\"}", "[".repeat(40) + "]".repeat(40));
        assertThat(rejected(nested).error().code()).isEqualTo(3101);
    }

    @Test
    void seventeenExtensionsAreTooMany() {
        String many = VALID.replace("[{\"key\":\"k\",\"value\":\"v\"}]",
                "[" + String.join(",", java.util.Collections.nCopies(17, "{\"key\":\"k\",\"value\":\"v\"}")) + "]");
        assertThat(rejected(many).detail()).contains("1 to 16 elements");
    }
}
