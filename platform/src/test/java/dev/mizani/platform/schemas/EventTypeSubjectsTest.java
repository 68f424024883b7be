package dev.mizani.platform.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.platform.testing.RandomData;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.RegistryException;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.EventWireCodec;
import dev.mizani.schemas.wire.WireFormatException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Event topics carry one record per event type, each under its own subject ({@code <topic>-<record name>}), so a new
 * event type never changes a schema an existing consumer reads, and each subject can be held to FULL_TRANSITIVE.
 * Against the real registry.
 */
class EventTypeSubjectsTest {
    private final SharedInfrastructure infra = SharedInfrastructure.get();
    private final SchemaRegistryClient client =
            new SchemaRegistryClient(infra.infrastructure.registryUrl(), Duration.ofSeconds(10));
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void everyEventTypeRoundTripsThroughItsOwnSubjectAndTheBytesAreExactlyThatRecord() throws Exception {
        for (Schema envelope : List.of(TransferEventEnvelope.getClassSchema(), ParticipantEventEnvelope.getClassSchema(),
                dev.mizani.schemas.settlement.SettlementEventEnvelope.getClassSchema())) {
            String topic = "types-" + run + "-" + envelope.getName();
            EventWireCodec<SpecificRecord> codec = new EventWireCodec<>(infra.registry, topic, envelope);
            Random random = new Random(11);
            List<Schema> records = EventWireCodec.recordsPerType(envelope);
            assertThat(records).hasSize(envelope.getField("payload").schema().getTypes().size());
            for (Schema record : records) {
                String subject = EventWireCodec.subject(topic, record);
                assertThat(subject).isEqualTo(topic + "-" + record.getNamespace() + "." + record.getName());
                int id = client.lookup(subject, record.toString()).id();
                GenericData.Record written = new GenericData.Record(record);
                written.put("metadata", RandomData.datum(record.getField("metadata").schema(), random));
                written.put("payload", RandomData.datum(record.getField("payload").schema(), random));
                byte[] bytes = EventSchemaHistoryTest.wire(id, record, written);

                assertThat(codec.payloadTypeOf(bytes)).as("the type, from the schema id alone")
                        .isEqualTo(record.getField("payload").schema().getFullName());
                SpecificRecord decoded = codec.decode(bytes);
                assertThat(decoded.getSchema().getFullName()).isEqualTo(envelope.getFullName());
                assertThat(((SpecificRecord) decoded.get(1)).getSchema().getFullName())
                        .isEqualTo(record.getField("payload").schema().getFullName());
                assertThat(codec.encode(decoded)).as("re-encoded %s", record.getName()).isEqualTo(bytes);
            }
        }
    }

    @Test
    void aNewEventTypeIsANewSubjectAndAConsumerWithoutItStillReadsEveryOtherType() throws Exception {
        Schema current = TransferEventEnvelope.getClassSchema();
        Schema payloads = current.getField("payload").schema();
        Schema newest = payloads.getTypes().get(payloads.getTypes().size() - 1);
        // a consumer whose copy of the schemas predates the newest event type
        List<Schema> older = new ArrayList<>(payloads.getTypes().subList(0, payloads.getTypes().size() - 1));
        Schema olderEnvelope = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false,
                List.of(new Schema.Field("metadata", current.getField("metadata").schema(), null, (Object) null),
                        new Schema.Field("payload", Schema.createUnion(older), null, (Object) null)));
        String topic = "types-" + run + "-upgrade";
        EventWireCodec<SpecificRecord> consumerBefore = new EventWireCodec<>(infra.registry, topic, olderEnvelope);
        EventWireCodec<SpecificRecord> hubAfter = new EventWireCodec<>(infra.registry, topic, current);
        int subjectsBefore = (int) client.subjects().stream().filter(s -> s.startsWith(topic + "-")).count();
        assertThat(subjectsBefore).isEqualTo(payloads.getTypes().size())
                .as("the newer hub added one subject and changed none of the older ones");
        for (Schema record : EventWireCodec.recordsPerType(current)) {
            assertThat(client.versions(EventWireCodec.subject(topic, record))).hasSize(1);
        }

        Random random = new Random(3);
        for (Schema record : EventWireCodec.recordsPerType(current)) {
            GenericData.Record written = new GenericData.Record(record);
            written.put("metadata", RandomData.datum(record.getField("metadata").schema(), random));
            written.put("payload", RandomData.datum(record.getField("payload").schema(), random));
            byte[] bytes = EventSchemaHistoryTest.wire(client.lookup(EventWireCodec.subject(topic, record),
                    record.toString()).id(), record, written);
            boolean known = !record.getField("payload").schema().getFullName().equals(newest.getFullName());
            if (known) {
                assertThat(((SpecificRecord) consumerBefore.decode(bytes).get(1)).getSchema().getName())
                        .isEqualTo(record.getField("payload").schema().getName());
            } else {
                // the one record it cannot read is named, so it can skip it; the records around it are unaffected
                assertThatThrownBy(() -> consumerBefore.decode(bytes)).isInstanceOf(WireFormatException.class)
                        .hasMessageContaining(record.getFullName()).hasMessageContaining("not an event this reader knows");
                // and a reader that picks what it reads by type passes over it without trying
                assertThat(consumerBefore.payloadTypeOf(bytes)).isEqualTo(newest.getFullName());
            }
            assertThat(hubAfter.decode(bytes)).isNotNull();
        }
    }

    @Test
    void anEventTypesSubjectTakesAFieldWithADefaultAndRefusesOneWithout() {
        Schema record = EventWireCodec.recordsPerType(TransferEventEnvelope.getClassSchema()).get(3);
        String subject = "types-" + run + "-full-" + record.getName();
        client.register(subject, record.toString());
        client.setSubjectCompatibility(subject, HubTopics.EVENT_TYPE_COMPATIBILITY);

        Schema payload = record.getField("payload").schema();
        Schema withoutDefault = withPayloadField(record, new Schema.Field("feeMinor", Schema.create(Schema.Type.LONG), null, (Object) null));
        assertThatThrownBy(() -> client.register(subject, withoutDefault.toString()))
                .isInstanceOf(RegistryException.class).matches(e -> ((RegistryException) e).isIncompatible(),
                        "refused as incompatible: an older consumer's copy could not read it");
        // BACKWARD alone would take this one: the hub reads old bytes without the field, but a consumer's older copy
        // has no default for it and could not read the new records
        Schema withoutFulfilment = withPayloadFields(record, "fulfilment", null);
        assertThatThrownBy(() -> client.register(subject, withoutFulfilment.toString()))
                .isInstanceOf(RegistryException.class).matches(e -> ((RegistryException) e).isIncompatible(),
                        "refused as incompatible: a consumer's older copy needs the field");
        Schema withDefault = withPayloadField(record, new Schema.Field("feeMinor", Schema.create(Schema.Type.LONG), null, 0L));
        client.register(subject, withDefault.toString());
        assertThat(client.versions(subject)).hasSize(2);
        assertThat(payload.getName()).isEqualTo("TransferCommitted");
    }

    /** The record with one more field at the end of its payload. */
    private static Schema withPayloadField(Schema record, Schema.Field extra) {
        return withPayloadFields(record, null, extra);
    }

    /** The record with its payload's field {@code dropped} removed and {@code extra} appended (either may be null). */
    private static Schema withPayloadFields(Schema record, String dropped, Schema.Field extra) {
        Schema payload = record.getField("payload").schema();
        List<Schema.Field> fields = new ArrayList<>();
        payload.getFields().stream().filter(f -> !f.name().equals(dropped))
                .forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        if (extra != null) {
            fields.add(extra);
        }
        Schema grown = Schema.createRecord(payload.getName(), payload.getDoc(), payload.getNamespace(), false, fields);
        Schema.Field metadata = record.getField("metadata");
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, Arrays.asList(
                new Schema.Field(metadata, metadata.schema()), new Schema.Field("payload", grown, null, (Object) null)));
    }
}
