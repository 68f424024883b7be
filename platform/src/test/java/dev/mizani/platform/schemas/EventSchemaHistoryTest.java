package dev.mizani.platform.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.RandomData;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import dev.mizani.schemas.wire.WireCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The event store keeps the bytes of every schema version forever, and integrators upgrade when they like. Every
 * published version of each envelope (in {@code schema-history/<n>}, generated from the Avro IDL as it was at each
 * change of the contract) is registered in order under the compatibility level the hub sets, then the current
 * schema after them; and records written with each old version, every branch of the union, decode through the
 * hub's own current reader. Version 1, the build skeleton's, predates the contract and was never published with it.
 */
class EventSchemaHistoryTest {
    private static final int[] VERSIONS = {2, 3, 4, 5, 6, 7, 8};
    private static final Map<String, Schema> CURRENT = Map.of(
            "TransferEventEnvelope", dev.mizani.schemas.transfer.TransferEventEnvelope.getClassSchema(),
            "ParticipantEventEnvelope", dev.mizani.schemas.participant.ParticipantEventEnvelope.getClassSchema(),
            "TransferCommandEnvelope", dev.mizani.schemas.transfer.TransferCommandEnvelope.getClassSchema(),
            "ParticipantCommandEnvelope", dev.mizani.schemas.participant.ParticipantCommandEnvelope.getClassSchema());

    private final SharedInfrastructure infra = SharedInfrastructure.get();

    @Test
    void everyPublishedVersionRegistersInOrderAndItsRecordsDecodeThroughTheCurrentReader() throws Exception {
        SchemaRegistryClient client = new SchemaRegistryClient(infra.infrastructure.registryUrl(), Duration.ofSeconds(10));
        String run = UUID.randomUUID().toString().substring(0, 8);
        Random random = new Random(7);
        for (Map.Entry<String, Schema> envelope : CURRENT.entrySet()) {
            String subject = "history-" + run + "-" + envelope.getKey() + "-value";
            client.setSubjectCompatibility(subject, HubTopics.COMPATIBILITY);
            List<int[]> idsAndBranches = new ArrayList<>();
            List<Schema> writers = new ArrayList<>();
            for (int version : VERSIONS) {
                Schema old = new Schema.Parser().parse(resource(version, envelope.getKey()));
                writers.add(old);
                idsAndBranches.add(new int[] {client.register(subject, old.toString())});
            }
            client.register(subject, envelope.getValue().toString());
            // the reader the hub uses for the topic: events through one record per type, commands as the envelope
            WireCodec<SpecificRecord> reader = envelope.getKey().contains("Event")
                    ? new EventWireCodec<>(infra.registry, "history-" + run + "-" + envelope.getKey(), envelope.getValue())
                    : new AvroWireCodec<>(infra.registry, subject, envelope.getValue());
            for (int i = 0; i < writers.size(); i++) {
                Schema writer = writers.get(i);
                Schema payloads = writer.getField("payload").schema();
                for (Schema branch : payloads.getTypes()) {
                    GenericData.Record record = new GenericData.Record(writer);
                    record.put("metadata", RandomData.datum(writer.getField("metadata").schema(), random));
                    record.put("payload", RandomData.datum(branch, random));
                    byte[] bytes = wire(idsAndBranches.get(i)[0], writer, record);
                    // the whole-envelope format names no type by its schema: a reader that skips types must decode it
                    assertThat(reader.payloadTypeOf(bytes)).isNull();
                    SpecificRecord decoded = reader.decode(bytes);
                    Object payload = decoded.get(decoded.getSchema().getField("payload").pos());
                    assertThat(((SpecificRecord) payload).getSchema().getFullName())
                            .as("%s version %d, %s", envelope.getKey(), VERSIONS[i], branch.getName())
                            .isEqualTo(branch.getFullName());
                }
            }
        }
    }

    private static String resource(int version, String envelope) throws IOException {
        try (InputStream in = EventSchemaHistoryTest.class.getResourceAsStream(
                "/schema-history/" + version + "/" + envelope + ".avsc")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The record in Confluent's wire format under the writer's registry id: what the event store holds. */
    static byte[] wire(int schemaId, Schema writer, GenericData.Record record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericData.Record>(writer).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
