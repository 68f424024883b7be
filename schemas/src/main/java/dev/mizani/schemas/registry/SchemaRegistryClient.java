package dev.mizani.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Speaks the Confluent Schema Registry REST API (v7): subjects, versions, ids, compatibility.
 * Works against Confluent's registry and against Apicurio's {@code /apis/ccompat/v7} endpoint.
 * Stateless and thread-safe; {@link CachedSchemaRegistry} puts a cache in front of it.
 */
public final class SchemaRegistryClient implements SchemaLookup {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUri;
    private final HttpClient http;
    private final Duration requestTimeout;

    /** @param baseUrl e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7} */
    public SchemaRegistryClient(String baseUrl, Duration requestTimeout) {
        this.baseUri = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** Registers the schema under the subject (or finds it if already there) and returns its global id. */
    @Override
    public int register(String subject, String avroSchema) {
        JsonNode reply = send("POST", "subjects/" + encode(subject) + "/versions", schemaBody(avroSchema));
        return reply.get("id").asInt();
    }

    /** Finds an already-registered schema under the subject; 404 ({@link RegistryException#status()}) if absent. */
    public SubjectVersion lookup(String subject, String avroSchema) {
        return subjectVersion(send("POST", "subjects/" + encode(subject), schemaBody(avroSchema)));
    }

    @Override
    public String schemaById(int id) {
        return send("GET", "schemas/ids/" + id, null).get("schema").asText();
    }

    public List<String> subjects() {
        return strings(send("GET", "subjects", null));
    }

    public List<Integer> versions(String subject) {
        List<Integer> versions = new ArrayList<>();
        send("GET", "subjects/" + encode(subject) + "/versions", null).forEach(v -> versions.add(v.asInt()));
        return versions;
    }

    public SubjectVersion version(String subject, String version) {
        return subjectVersion(send("GET", "subjects/" + encode(subject) + "/versions/" + encode(version), null));
    }

    public boolean isCompatibleWithLatest(String subject, String avroSchema) {
        JsonNode reply = send("POST", "compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(avroSchema));
        return reply.get("is_compatible").asBoolean();
    }

    /** Sets the global compatibility level, e.g. {@code BACKWARD}. */
    public void setGlobalCompatibility(String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", "config", body.toString());
    }

    /** Sets one subject's compatibility level, leaving the registry's global level as it is. */
    public void setSubjectCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", "config/" + encode(subject), body.toString());
    }

    public String subjectCompatibility(String subject) {
        JsonNode reply = send("GET", "config/" + encode(subject), null);
        JsonNode level = reply.has("compatibilityLevel") ? reply.get("compatibilityLevel") : reply.get("compatibility");
        return level.asText();
    }

    public String globalCompatibility() {
        JsonNode reply = send("GET", "config", null);
        JsonNode level = reply.has("compatibilityLevel") ? reply.get("compatibilityLevel") : reply.get("compatibility");
        return level.asText();
    }

    public record SubjectVersion(String subject, int id, int version, String schema) {}

    private static SubjectVersion subjectVersion(JsonNode node) {
        return new SubjectVersion(node.get("subject").asText(), node.get("id").asInt(), node.get("version").asInt(),
                node.get("schema").asText());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String schemaBody(String avroSchema) {
        return JSON.createObjectNode().put("schema", avroSchema).put("schemaType", "AVRO").toString();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Every call of this client is idempotent (registering a schema that is there returns its id), so a request that
     * timed out is sent once more: a registry that paused for a moment (a collection, its own database) should not
     * fail a service's start.
     */
    private HttpResponse<String> sendWithOneRetry(HttpRequest request) throws IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException first) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    private JsonNode send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUri.resolve(path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> response;
        try {
            response = sendWithOneRetry(request.build());
        } catch (IOException e) {
            throw new RegistryException(0, -1, method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(0, -1, method + " " + path + " interrupted", e);
        }
        JsonNode reply = parse(response.body());
        if (response.statusCode() / 100 != 2) {
            int errorCode = reply != null && reply.has("error_code") ? reply.get("error_code").asInt() : response.statusCode();
            String message = reply != null && reply.has("message") ? reply.get("message").asText() : response.body();
            throw new RegistryException(response.statusCode(), errorCode,
                    method + " " + path + " -> " + response.statusCode() + ": " + message, null);
        }
        return reply;
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
