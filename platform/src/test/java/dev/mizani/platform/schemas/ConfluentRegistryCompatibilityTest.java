package dev.mizani.platform.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryException;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.WireFormatException;
import java.time.Duration;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException;
import org.junit.jupiter.api.Test;

/**
 * The embedded registry and our client, checked with Confluent's own CachedSchemaRegistryClient
 * (repackaged inside Flink's Confluent-registry format): what one registers, the other reads.
 */
class ConfluentRegistryCompatibilityTest {
    private static final String V1 = """
            {"type":"record","name":"Payment","namespace":"dev.mizani.test","fields":[
              {"name":"id","type":"string"},{"name":"amountMinor","type":"long"}]}""";
    private static final String V2_WITH_DEFAULT = """
            {"type":"record","name":"Payment","namespace":"dev.mizani.test","fields":[
              {"name":"id","type":"string"},{"name":"amountMinor","type":"long"},
              {"name":"currency","type":"string","default":"USD"}]}""";
    private static final String V2_WITHOUT_DEFAULT = """
            {"type":"record","name":"Payment","namespace":"dev.mizani.test","fields":[
              {"name":"id","type":"string"},{"name":"amountMinor","type":"long"},
              {"name":"currency","type":"string"}]}""";

    private final SharedInfrastructure infra = SharedInfrastructure.get();
    private final SchemaRegistryClient ours = new SchemaRegistryClient(infra.infrastructure.registryUrl(), Duration.ofSeconds(10));
    private final CachedSchemaRegistryClient confluent = new CachedSchemaRegistryClient(infra.infrastructure.registryUrl(), 100);
    private final String subject = "payments-" + UUID.randomUUID() + "-value";

    @Test
    void whatOursRegistersConfluentReadsAndTheReverse() throws Exception {
        int id = ours.register(subject, V1);

        assertThat(confluent.getAllSubjects()).contains(subject);
        assertThat(new Schema.Parser().parse(confluent.getSchemaById(id).canonicalString()))
                .isEqualTo(new Schema.Parser().parse(V1));
        assertThat(confluent.getLatestSchemaMetadata(subject).getId()).isEqualTo(id);

        int v2 = confluent.register(subject, new AvroSchema(V2_WITH_DEFAULT));
        assertThat(ours.versions(subject)).containsExactly(1, 2);
        assertThat(ours.lookup(subject, V2_WITH_DEFAULT).id()).isEqualTo(v2);
        assertThat(ours.version(subject, "latest").version()).isEqualTo(2);
        assertThat(new Schema.Parser().parse(ours.schemaById(v2))).isEqualTo(new Schema.Parser().parse(V2_WITH_DEFAULT));
    }

    @Test
    void incompatibleChangeIsRefusedThroughBothClients() throws Exception {
        ours.register(subject, V1);
        assertThat(ours.globalCompatibility()).isEqualTo("BACKWARD");

        assertThat(ours.isCompatibleWithLatest(subject, V2_WITHOUT_DEFAULT)).isFalse();
        assertThat(confluent.testCompatibility(subject, new AvroSchema(V2_WITHOUT_DEFAULT))).isFalse();
        assertThatThrownBy(() -> ours.register(subject, V2_WITHOUT_DEFAULT))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.isIncompatible()).isTrue());
        assertThatThrownBy(() -> confluent.register(subject, new AvroSchema(V2_WITHOUT_DEFAULT)))
                .isInstanceOfSatisfying(RestClientException.class, e -> assertThat(e.getStatus()).isEqualTo(409));
        assertThat(ours.versions(subject)).containsExactly(1);
    }

    @Test
    void wireBytesCarryTheRegisteredIdAndOldRecordsDecodeWithANewerReader() throws Exception {
        Schema v1 = new Schema.Parser().parse(V1);
        Schema v2 = new Schema.Parser().parse(V2_WITH_DEFAULT);
        CachedSchemaRegistry registry = new CachedSchemaRegistry(ours);
        int v1Id = registry.register(subject, v1);
        GenericRecord record = new GenericData.Record(v1);
        record.put("id", "t-1");
        record.put("amountMinor", 1250L);
        byte[] bytes = encodeGeneric(v1Id, v1, record);

        assertThat(AvroWireCodec.schemaId(bytes)).isEqualTo(v1Id);
        assertThat(new Schema.Parser().parse(confluent.getSchemaById(v1Id).canonicalString())).isEqualTo(v1);
        registry.register(subject, v2);
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(registry.schemaById(v1Id), v2);
        GenericRecord upgraded = reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertThat(upgraded.get("currency").toString()).isEqualTo("USD");
        assertThat(upgraded.get("amountMinor")).isEqualTo(1250L);
    }

    @Test
    void theHubsEnvelopesRegisterAndTruncatedBytesAreRefused() {
        var codec = new AvroWireCodec<TransferEventEnvelope>(new CachedSchemaRegistry(ours),
                "transfers-" + UUID.randomUUID() + ".events-value", TransferEventEnvelope.getClassSchema());
        assertThat(codec.writerSchemaId()).isPositive();
        assertThatThrownBy(() -> codec.decode(new byte[] {0, 0, 0, 0, (byte) codec.writerSchemaId(), 2}))
                .isInstanceOf(WireFormatException.class);
    }

    private static byte[] encodeGeneric(int schemaId, Schema schema, GenericRecord record) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        out.write(0);
        out.write(java.nio.ByteBuffer.allocate(4).putInt(schemaId).array());
        var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
