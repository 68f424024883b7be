package dev.mizani.gateway.fspiop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mizani.gateway.transfers.TransfersGateway;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI document says what the gateway enforces: its element patterns are the validation's own,
 * its required and allowed elements the ones the parser demands and admits, and its examples pass the parser.
 */
class OpenApiDocumentTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonNode doc = read();
    private final JsonNode schemas = doc.path("components").path("schemas");

    private static JsonNode read() {
        try {
            return YAML.readTree(TransfersGateway.openApiDocument());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void elementPatternsAreTheValidationsOwn() {
        assertPattern("CorrelationId", TransferBodies.TRANSFER_ID);
        assertPattern("Amount", TransferBodies.AMOUNT);
        assertPattern("Currency", TransferBodies.CURRENCY);
        assertPattern("IlpPacket", TransferBodies.ILP_PACKET);
        assertPattern("IlpCondition", TransferBodies.CONDITION);
        assertPattern("IlpFulfilment", TransferBodies.FULFILMENT);
        assertPattern("DateTime", TransferBodies.DATE_TIME);
        assertPattern("ErrorCode", TransferBodies.ERROR_CODE);
    }

    @Test
    void thePrepareSchemaAdmitsExactlyTheElementsTheParserAdmits() {
        JsonNode prepare = schemas.path("TransfersPostRequest");
        assertThat(names(prepare.path("properties").fieldNames())).isEqualTo(TransferBodies.PREPARE_FIELDS);
        assertThat(prepare.path("additionalProperties").asBoolean(true)).isFalse();
        // every required element, left out of the example, is refused by the parser as missing
        ObjectNodeCopy example = new ObjectNodeCopy(example("/transfers", "post"));
        for (JsonNode required : prepare.path("required")) {
            var parsed = TransferBodies.prepare(example.without(required.asText()));
            assertThat(parsed).as("prepare without " + required.asText()).isInstanceOf(TransferBodies.Rejected.class);
            assertThat(((TransferBodies.Rejected<?>) parsed).rejection().detail()).contains(required.asText());
        }
    }

    @Test
    void theExamplesPassTheParserAndTheFulfilmentMatchesTheCondition() throws Exception {
        JsonNode prepare = example("/transfers", "post");
        assertThat(TransferBodies.prepare(bytes(prepare))).isInstanceOf(TransferBodies.Valid.class);
        JsonNode fulfil = example("/transfers/{ID}", "put");
        assertThat(TransferBodies.answer(bytes(fulfil))).isInstanceOf(TransferBodies.Valid.class);
        assertThat(TransferBodies.error(bytes(example("/transfers/{ID}/error", "put")))).isInstanceOf(TransferBodies.Valid.class);

        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest(Base64.getUrlDecoder().decode(fulfil.get("fulfilment").asText()));
        assertThat(Base64.getUrlEncoder().withoutPadding().encodeToString(digest)).isEqualTo(prepare.get("condition").asText());
    }

    @Test
    void everyOperationAnswersWithTheFspiopErrorShapeAndNeedsTheCredential() {
        Set<String> operations = new HashSet<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (op.getKey().equals("parameters")) {
                return;
            }
            operations.add(op.getKey().toUpperCase() + " " + path.getKey());
            // a payee's PUT is answered 200 (FSPIOP v1.1), a prepare and a GET 202
            String recorded = op.getKey().equals("put") ? "200" : "202";
            assertThat(op.getValue().path("responses").has(recorded)).as(op.getKey() + " " + path.getKey()).isTrue();
            assertThat(op.getValue().path("responses").has("401")).as(op.getKey() + " " + path.getKey()).isTrue();
        }));
        assertThat(operations).containsExactlyInAnyOrder("POST /transfers", "GET /transfers/{ID}", "PUT /transfers/{ID}",
                "PUT /transfers/{ID}/error");
        assertThat(doc.path("security").get(0).has("participantCredential")).isTrue();
    }

    private void assertPattern(String schema, Pattern pattern) {
        assertThat(schemas.path(schema).path("pattern").asText()).as(schema).isEqualTo(pattern.pattern());
    }

    private JsonNode example(String path, String method) {
        JsonNode content = doc.path("paths").path(path).path(method).path("requestBody").path("content");
        return content.elements().next().path("example");
    }

    private static byte[] bytes(JsonNode node) throws Exception {
        return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
    }

    private static Set<String> names(java.util.Iterator<String> it) {
        Set<String> out = new HashSet<>();
        it.forEachRemaining(out::add);
        return out;
    }

    /** The example with one element removed, as request bytes. */
    private record ObjectNodeCopy(JsonNode original) {
        byte[] without(String field) {
            var copy = ((com.fasterxml.jackson.databind.node.ObjectNode) original.deepCopy());
            copy.remove(field);
            try {
                return bytes(copy);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }
}
