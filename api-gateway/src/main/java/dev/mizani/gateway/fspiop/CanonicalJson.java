package dev.mizani.gateway.fspiop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mizani.platform.security.Credentials;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The request hash of duplicate detection: SHA-256 (hex) over the body re-serialised with object keys
 * sorted and no whitespace, so the same request sent with other key order or spacing is the same
 * request, and any change of a value is a different one (3106).
 */
public final class CanonicalJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CanonicalJson() {}

    public static String sha256Hex(JsonNode body) {
        try {
            // through a String on purpose: its UTF-8 form turns a lone surrogate into '?', where Jackson's byte
            // writer would refuse the body, and stored hashes were taken over exactly these bytes
            byte[] canonical = JSON.writeValueAsString(sorted(body)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(Credentials.sha256(canonical));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot hash a parsed JSON tree", e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            ObjectNode out = JSON.createObjectNode();
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            for (String name : names) {
                out.set(name, sorted(object.get(name)));
            }
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = JSON.createArrayNode();
            array.forEach(element -> out.add(sorted(element)));
            return out;
        }
        return node;
    }
}
