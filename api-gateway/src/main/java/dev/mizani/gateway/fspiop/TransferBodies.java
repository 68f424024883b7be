package dev.mizani.gateway.fspiop;

import static dev.mizani.platform.domain.FspiopError.GENERIC_VALIDATION_ERROR;
import static dev.mizani.platform.domain.FspiopError.MALFORMED_SYNTAX;
import static dev.mizani.platform.domain.FspiopError.MISSING_ELEMENT;
import static dev.mizani.platform.domain.FspiopError.PAYLOAD_TOO_LARGE;
import static dev.mizani.platform.domain.FspiopError.TOO_MANY_ELEMENTS;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mizani.platform.domain.FspiopError;
import dev.mizani.platform.domain.money.FspiopAmount;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Parses and checks FSPIOP v1.1 transfer bodies against the published definition (api-snippets
 * fspiop/v1_1): strict JSON (no duplicate keys, nothing after the object, bounded nesting and sizes),
 * no unknown elements, every element of the right type and pattern. The first problem found is the
 * answer, and it names the element. The patterns below are the definition's own (checked against the OpenAPI
 * document); the long or frequent ones are matched by {@link FspiopFormats}, which gives the same verdicts.
 */
public final class TransferBodies {
    /** The ILP packet may be 32,768 characters; everything else fits in the rest. */
    public static final int BODY_BYTES_MAX = 48 * 1024;

    static final Pattern UUID = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    /** A transfer's id: a lower-case UUID, or a ULID as current Mojaloop accepts (Crockford's base 32, upper case). */
    static final Pattern TRANSFER_ID = Pattern.compile(
            "^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$");
    static final Pattern AMOUNT = Pattern.compile("^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$");
    static final Pattern CURRENCY = Pattern.compile("^[A-Z]{3}$");
    static final Pattern ILP_PACKET = Pattern.compile("^[A-Za-z0-9-_]+[=]{0,2}$");
    static final Pattern CONDITION = Pattern.compile("^[A-Za-z0-9-_]{43}$");
    static final Pattern DATE_TIME = Pattern.compile("^(?:[1-9]\\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|"
            + "(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\\d(?:0[48]|[2468][048]|[13579][26])|"
            + "(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:(\\.\\d{3}))"
            + "(?:Z|[+-][01]\\d:[0-5]\\d)$");
    private static final Predicate<String> AMOUNT_FORMAT = AMOUNT.asMatchPredicate();
    private static final Predicate<String> CURRENCY_FORMAT = CURRENCY.asMatchPredicate();
    /** Elements the definition gives no pattern: any characters but control characters. */
    private static final Predicate<String> ANY_TEXT = FspiopFormats::hasNoControlCharacter;
    static final Set<String> PREPARE_FIELDS = Set.of("transferId", "payeeFsp", "payerFsp", "amount",
            "ilpPacket", "condition", "expiration", "extensionList");

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(16).maxStringLength(BODY_BYTES_MAX).maxNumberLength(64).build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The request, or the rejection to answer with. */
    public sealed interface Parsed<T> permits Valid, Rejected {}

    public record Valid<T>(T request) implements Parsed<T> {}

    public record Rejected<T>(FspiopRejection rejection) implements Parsed<T> {}

    /** Short-circuits the checks with the first problem; never leaves this class. */
    private static final class Invalid extends Exception {
        final FspiopRejection rejection;

        Invalid(int status, FspiopError error, String detail) {
            super(detail, null, false, false);
            this.rejection = new FspiopRejection(status, error, detail);
        }
    }

    private TransferBodies() {}

    public static Parsed<PrepareRequest> prepare(byte[] body) {
        try {
            JsonNode root = object(body, PREPARE_FIELDS);
            JsonNode amount = required(root, "amount");
            if (!amount.isObject()) {
                throw new Invalid(400, GENERIC_VALIDATION_ERROR, "amount must be an object");
            }
            only(amount, Set.of("amount", "currency"), "amount.");
            String value = string(amount, "amount", "amount.amount", AMOUNT_FORMAT, 32, "an FSPIOP amount");
            String currency = string(amount, "currency", "amount.currency", CURRENCY_FORMAT, 3, "an ISO 4217 code");
            if (FspiopAmount.parse(value, currency) instanceof FspiopAmount.Invalid invalid) {
                throw new Invalid(400, GENERIC_VALIDATION_ERROR, invalid.reason());
            }
            String expiration = string(root, "expiration", "expiration", FspiopFormats::isDateTime, 32,
                    "an FSPIOP DateTime");
            return new Valid<>(new PrepareRequest(
                    string(root, "transferId", "transferId", FspiopFormats::isTransferId, 36, "a lower-case UUID or a ULID"),
                    string(root, "payerFsp", "payerFsp", ANY_TEXT, 32, "an FSP id of 1 to 32 characters"),
                    string(root, "payeeFsp", "payeeFsp", ANY_TEXT, 32, "an FSP id of 1 to 32 characters"),
                    value, currency,
                    string(root, "ilpPacket", "ilpPacket", FspiopFormats::isIlpPacket, 32_768, "a base64url ILP packet"),
                    string(root, "condition", "condition", FspiopFormats::isSha256Base64Url, 43,
                            "a 43-character base64url SHA-256"),
                    FspiopFormats.instantOf(expiration),
                    extensions(root),
                    CanonicalJson.sha256Hex(root)));
        } catch (Invalid e) {
            return new Rejected<>(e.rejection);
        }
    }

    static final Pattern FULFILMENT = CONDITION;
    static final Pattern ERROR_CODE = Pattern.compile("^[1-9]\\d{3}$");
    private static final Predicate<String> ERROR_CODE_FORMAT = ERROR_CODE.asMatchPredicate();
    static final Pattern TRANSFER_STATE = Pattern.compile("^(RECEIVED|RESERVED|COMMITTED|ABORTED)$");
    private static final Predicate<String> TRANSFER_STATE_FORMAT = TRANSFER_STATE.asMatchPredicate();

    /**
     * PUT /transfers/{ID}: COMMITTED (or RESERVED) with the fulfilment ("" when it has none, which the transfer
     * answers by aborting); ABORTED ends the transfer.
     */
    public static Parsed<AnswerRequest> answer(byte[] body) {
        try {
            JsonNode root = object(body, Set.of("fulfilment", "completedTimestamp", "transferState", "extensionList"));
            String state = string(root, "transferState", "transferState", TRANSFER_STATE_FORMAT,
                    9, "RESERVED, COMMITTED or ABORTED");
            java.time.Instant completed = root.has("completedTimestamp")
                    ? FspiopFormats.instantOf(string(root, "completedTimestamp", "completedTimestamp",
                            FspiopFormats::isDateTime, 32, "an FSPIOP DateTime")) : null;
            extensions(root);
            String hash = CanonicalJson.sha256Hex(root);
            return switch (state) {
                // without a fulfilment the answer is taken and the transfer aborted (3100), as Mojaloop does
                case "COMMITTED", "RESERVED" -> new Valid<>(new AnswerRequest.Fulfil(
                        root.hasNonNull("fulfilment") ? string(root, "fulfilment", "fulfilment",
                                FspiopFormats::isSha256Base64Url, 43, "a 43-character base64url fulfilment") : "",
                        hash, state.equals("RESERVED"), completed));
                case "ABORTED" -> new Valid<>(new AnswerRequest.Abort(hash));
                default -> throw new Invalid(400, GENERIC_VALIDATION_ERROR,
                        "transferState RECEIVED is not an answer; send COMMITTED, RESERVED or ABORTED");
            };
        } catch (Invalid e) {
            return new Rejected<>(e.rejection);
        }
    }

    /** PUT /transfers/{ID}/error: the payee's errorInformation. */
    public static Parsed<AnswerRequest> error(byte[] body) {
        try {
            JsonNode root = object(body, Set.of("errorInformation"));
            JsonNode info = required(root, "errorInformation");
            if (!info.isObject()) {
                throw new Invalid(400, GENERIC_VALIDATION_ERROR, "errorInformation must be an object");
            }
            only(info, Set.of("errorCode", "errorDescription", "extensionList"), "errorInformation.");
            String code = string(info, "errorCode", "errorInformation.errorCode", ERROR_CODE_FORMAT, 4,
                    "a four-digit code");
            String description = string(info, "errorDescription", "errorInformation.errorDescription", ANY_TEXT, 128,
                    "1 to 128 characters");
            extensions(info);
            return new Valid<>(new AnswerRequest.Reject(Integer.parseInt(code), description, CanonicalJson.sha256Hex(root)));
        } catch (Invalid e) {
            return new Rejected<>(e.rejection);
        }
    }

    static JsonNode object(byte[] body, Set<String> allowed) throws Invalid {
        if (body == null || body.length == 0) {
            throw new Invalid(400, MALFORMED_SYNTAX, "the body is empty");
        }
        if (body.length > BODY_BYTES_MAX) {
            throw new Invalid(413, PAYLOAD_TOO_LARGE, "the body has " + body.length + " bytes; at most " + BODY_BYTES_MAX);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new Invalid(400, MALFORMED_SYNTAX, "the body is not well-formed JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new Invalid(400, MALFORMED_SYNTAX, "the body must be a JSON object");
        }
        only(root, allowed, "");
        return root;
    }

    static void only(JsonNode node, Set<String> allowed, String prefix) throws Invalid {
        var names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new Invalid(400, TOO_MANY_ELEMENTS, "unexpected element '" + prefix + FspiopHeaders.abbreviate(name) + "'");
            }
        }
    }

    static JsonNode required(JsonNode node, String field) throws Invalid {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new Invalid(400, MISSING_ELEMENT, field + " is missing");
        }
        return value;
    }

    /** A required string element of at most {@code lengthMax} characters that {@code format} admits. */
    static String string(JsonNode node, String field, String path, Predicate<String> format, int lengthMax, String what)
            throws Invalid {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new Invalid(400, MISSING_ELEMENT, path + " is missing");
        }
        if (!value.isTextual()) {
            throw new Invalid(400, GENERIC_VALIDATION_ERROR, path + " must be a string, got " + value.getNodeType());
        }
        String s = value.asText();
        boolean ok = !s.isEmpty() && s.length() <= lengthMax && format.test(s);
        if (!ok) {
            throw new Invalid(400, GENERIC_VALIDATION_ERROR, path + " must be " + what + ", got '"
                    + FspiopHeaders.abbreviate(s) + "'");
        }
        return s;
    }

    static List<PrepareRequest.Extension> extensions(JsonNode root) throws Invalid {
        JsonNode list = root.get("extensionList");
        if (list == null) {
            return List.of();
        }
        if (!list.isObject()) {
            throw new Invalid(400, GENERIC_VALIDATION_ERROR, "extensionList must be an object");
        }
        only(list, Set.of("extension"), "extensionList.");
        JsonNode items = required(list, "extension");
        if (!items.isArray() || items.isEmpty() || items.size() > 16) {
            throw new Invalid(400, GENERIC_VALIDATION_ERROR, "extensionList.extension must be an array of 1 to 16 elements");
        }
        List<PrepareRequest.Extension> out = new ArrayList<>();
        for (JsonNode item : items) {
            if (!item.isObject()) {
                throw new Invalid(400, GENERIC_VALIDATION_ERROR, "extensionList.extension elements must be objects");
            }
            only(item, Set.of("key", "value"), "extensionList.extension.");
            out.add(new PrepareRequest.Extension(
                    string(item, "key", "extensionList.extension.key", ANY_TEXT, 32, "1 to 32 characters"),
                    string(item, "value", "extensionList.extension.value", ANY_TEXT, 128, "1 to 128 characters")));
        }
        return List.copyOf(out);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        String line = message.lines().findFirst().orElse(message);
        return FspiopHeaders.abbreviate(line);
    }

}
