package dev.mizani.examples.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Confluent's wire format, read with nothing but Apache Avro and the registry's REST API: byte 0 is the magic byte
 * 0, bytes 1-4 the writer schema's id, then the Avro body. The writer's schema is fetched once per id
 * ({@code GET /schemas/ids/{id}}) and the record is read as a generic record with it, so a consumer built against
 * older schemas still reads newer records, and can skip event types it does not know.
 */
public final class ConfluentAvroDeserializer implements Deserializer<GenericRecord> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String registryUrl;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    /** @param registryUrl the Confluent-compatible API, e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7} */
    public ConfluentAvroDeserializer(String registryUrl) {
        this.registryUrl = registryUrl;
    }

    @Override
    public GenericRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        if (data.length < 5 || buffer.get() != 0) {
            throw new SerializationException("not Confluent's wire format (magic byte 0) on " + topic);
        }
        Schema writer = schemas.computeIfAbsent(buffer.getInt(), this::fetch);
        try {
            return new GenericDatumReader<GenericRecord>(writer).read(null,
                    DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null));
        } catch (IOException e) {
            throw new SerializationException("cannot read a record of " + topic + ": " + e.getMessage(), e);
        }
    }

    private Schema fetch(int id) {
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(registryUrl + "/schemas/ids/" + id))
                    .header("Accept", "application/vnd.schemaregistry.v1+json").build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new SerializationException("the registry answered " + answer.statusCode() + " for schema " + id);
            }
            return new Schema.Parser().parse(JSON.readTree(answer.body()).get("schema").asText());
        } catch (IOException e) {
            throw new SerializationException("cannot reach the registry for schema " + id, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SerializationException("interrupted fetching schema " + id, e);
        }
    }
}
