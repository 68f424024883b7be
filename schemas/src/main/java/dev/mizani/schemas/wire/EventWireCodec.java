package dev.mizani.schemas.wire;

import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * An event topic's records, one schema per event type. In memory an event is its topic's envelope ({@code metadata}
 * and a union {@code payload}); on the wire each event type is its own record, {@code <Type>Event}, with the same two
 * fields but a payload of that type only, registered under Confluent's TopicRecordNameStrategy subject
 * {@code <topic>-<namespace>.<Type>Event}. A new event type is then a new subject: a consumer on an older copy of
 * the schemas never has to resolve a union branch it does not know, and skips the record by its schema's name. Each
 * event type's subject can hold FULL_TRANSITIVE compatibility, which a growing union could not.
 *
 * <p>Bytes written as the whole envelope (the wire format before this one, kept in the event store for good) decode
 * through the envelope's own schema resolution, so a reader sees the same envelope either way. Thread-safe.
 */
public final class EventWireCodec<E extends SpecificRecord> implements WireCodec<E> {
    private final CachedSchemaRegistry registry;
    private final Schema envelopeSchema;
    private final SpecificData data;
    private final SpecificDatumWriter<Object> metadataWriter;
    private final Map<String, Writer> writersByType = new HashMap<>();
    private final Map<String, Schema> readerSchemasByName = new HashMap<>();
    private final Map<Integer, SpecificDatumReader<Object>> readersByWriterId = new ConcurrentHashMap<>();
    /** Per writer schema id: its payload type's full name, or "" for the whole-envelope format. */
    private final Map<Integer, String> payloadTypesByWriterId = new ConcurrentHashMap<>();

    private record Writer(int schemaId, SpecificDatumWriter<Object> payload) {}

    /** Registers every event type's record under its subject of {@code topic}. */
    public EventWireCodec(CachedSchemaRegistry registry, String topic, Schema envelopeSchema) {
        this.registry = registry;
        this.envelopeSchema = envelopeSchema;
        this.data = SpecificData.getForSchema(envelopeSchema);
        this.metadataWriter = new SpecificDatumWriter<>(envelopeSchema.getField("metadata").schema(), data);
        readerSchemasByName.put(envelopeSchema.getFullName(), envelopeSchema);
        for (Schema record : recordsPerType(envelopeSchema)) {
            Schema payload = record.getField("payload").schema();
            int id = registry.register(subject(topic, record), record);
            writersByType.put(payload.getFullName(), new Writer(id, new SpecificDatumWriter<>(payload, data)));
            readerSchemasByName.put(record.getFullName(), record);
        }
    }

    /** One record per branch of the envelope's payload union: {@code <Type>Event { metadata; <Type> payload; }}. */
    public static List<Schema> recordsPerType(Schema envelopeSchema) {
        Schema.Field metadata = envelopeSchema.getField("metadata");
        List<Schema> records = new ArrayList<>();
        for (Schema type : envelopeSchema.getField("payload").schema().getTypes()) {
            records.add(Schema.createRecord(type.getName() + "Event",
                    "One " + type.getName() + " event with its metadata: a record of " + envelopeSchema.getName()
                            + "'s topic (docs/events.md).",
                    type.getNamespace(), false, List.of(
                            new Schema.Field("metadata", metadata.schema(), metadata.doc(), (Object) null),
                            new Schema.Field("payload", type, type.getDoc(), (Object) null))));
        }
        return records;
    }

    /** Confluent's TopicRecordNameStrategy: {@code <topic>-<record full name>}. */
    public static String subject(String topic, Schema record) {
        return topic + "-" + record.getFullName();
    }

    @Override
    public E decode(byte[] bytes) {
        int schemaId = AvroWireCodec.schemaId(bytes);
        SpecificDatumReader<Object> reader = readersByWriterId.computeIfAbsent(schemaId, this::readerFor);
        BinaryDecoder decoder = AvroWireCodec.body(bytes);
        Object read;
        try {
            read = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new WireFormatException("trailing bytes after a " + envelopeSchema.getName() + " record", null);
            }
        } catch (WireFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new WireFormatException("corrupt " + envelopeSchema.getName() + " record (schema id " + schemaId
                    + "): " + e, e);
        }
        if (read instanceof GenericData.Record perType) {
            @SuppressWarnings("unchecked")
            E envelope = (E) data.newRecord(null, envelopeSchema);
            envelope.put(0, perType.get(0));
            envelope.put(1, perType.get(1));
            return envelope;
        }
        @SuppressWarnings("unchecked")
        E envelope = (E) read;
        return envelope;
    }

    @Override
    public byte[] encode(E envelope) {
        Object payload = envelope.get(1);
        String type = ((SpecificRecord) payload).getSchema().getFullName();
        Writer writer = writersByType.get(type);
        if (writer == null) {
            throw new IllegalArgumentException(type + " is not an event of " + envelopeSchema.getName());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = AvroWireCodec.framed(out, writer.schemaId());
        try {
            // A record's binary form is its fields' in order: the metadata, then the payload.
            metadataWriter.write(envelope.get(0), encoder);
            writer.payload().write(payload, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot encode " + type, e);
        }
        return out.toByteArray();
    }

    /**
     * The event type of a record written one schema per type ({@code <Type>Event}'s payload), from the writer's schema
     * id alone; null for the whole-envelope format, whose union only decoding resolves. A type newer than this reader's
     * copy of the schemas is named too, so a reader that skips it never has to know it.
     */
    @Override
    public String payloadTypeOf(byte[] bytes) {
        String type = payloadTypesByWriterId.computeIfAbsent(AvroWireCodec.schemaId(bytes), id -> {
            Schema.Field payload = writerSchema(id).getField("payload");
            return payload != null && payload.schema().getType() == Schema.Type.RECORD
                    ? payload.schema().getFullName() : "";
        });
        return type.isEmpty() ? null : type;
    }

    private Schema writerSchema(int schemaId) {
        try {
            return registry.schemaById(schemaId);
        } catch (RegistryUnavailableException e) {
            throw e; // not a bad record: its reader waits for the registry
        } catch (RuntimeException e) {
            throw new WireFormatException("unknown schema id " + schemaId + ": " + e.getMessage(), e);
        }
    }

    private SpecificDatumReader<Object> readerFor(int schemaId) {
        Schema writerSchema = writerSchema(schemaId);
        Schema readerSchema = readerSchemasByName.get(writerSchema.getFullName());
        if (readerSchema == null) {
            throw new WireFormatException("schema id " + schemaId + " is " + writerSchema.getFullName()
                    + ", not an event this reader knows (" + envelopeSchema.getName() + ")", null);
        }
        return new SpecificDatumReader<>(writerSchema, readerSchema, data);
    }
}
