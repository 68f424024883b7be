package dev.mizani.schemas.wire;

import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes and decodes one record type in the Confluent wire format: magic byte 0, the writer schema's
 * 4-byte big-endian registry id, then the Avro binary body. The same bytes go into the event store and
 * onto Kafka, so publishing never re-encodes. Records written with an older schema are decoded through
 * Avro schema resolution; the writer schema is fetched once per id. Thread-safe.
 */
public final class AvroWireCodec<T extends SpecificRecord> implements WireCodec<T> {
    public static final byte MAGIC = 0;
    public static final int HEADER_BYTES = 5;
    private static final ThreadLocal<BinaryEncoder> ENCODERS = new ThreadLocal<>();
    private static final ThreadLocal<BinaryDecoder> DECODERS = new ThreadLocal<>();

    private final CachedSchemaRegistry registry;
    private final Schema readerSchema;
    private final int writerSchemaId;
    private final SpecificDatumWriter<T> writer;
    private final Map<Integer, SpecificDatumReader<T>> readersByWriterId = new ConcurrentHashMap<>();

    /** Registers the record's schema under {@code subject} (TopicNameStrategy: {@code <topic>-value}). */
    public AvroWireCodec(CachedSchemaRegistry registry, String subject, Schema schema) {
        this.registry = registry;
        this.readerSchema = schema;
        this.writerSchemaId = registry.register(subject, schema);
        this.writer = new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema));
    }

    public int writerSchemaId() {
        return writerSchemaId;
    }

    @Override
    public byte[] encode(T record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = framed(out, writerSchemaId);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot encode " + record.getSchema().getFullName(), e);
        }
        return out.toByteArray();
    }

    @Override
    public T decode(byte[] bytes) {
        int schemaId = schemaId(bytes);
        SpecificDatumReader<T> reader = readersByWriterId.computeIfAbsent(schemaId, this::readerFor);
        BinaryDecoder decoder = body(bytes);
        try {
            T record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new WireFormatException("trailing bytes after a " + readerSchema.getName() + " record", null);
            }
            return record;
        } catch (IOException | RuntimeException e) {
            if (e instanceof WireFormatException wfe) {
                throw wfe;
            }
            throw new WireFormatException("corrupt " + readerSchema.getName() + " body (schema id " + schemaId + "): " + e, e);
        }
    }

    /** Writes a Confluent frame's header to {@code out}; returns this thread's encoder, to write the body after it. */
    static BinaryEncoder framed(ByteArrayOutputStream out, int schemaId) {
        out.write(MAGIC);
        out.write(schemaId >>> 24);
        out.write(schemaId >>> 16);
        out.write(schemaId >>> 8);
        out.write(schemaId);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, ENCODERS.get());
        ENCODERS.set(encoder);
        return encoder;
    }

    /** This thread's decoder over the body of Confluent-framed {@code bytes}. */
    static BinaryDecoder body(byte[] bytes) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES,
                DECODERS.get());
        DECODERS.set(decoder);
        return decoder;
    }

    /** The registry id framed in the bytes; throws {@link WireFormatException} if they are not Confluent-framed. */
    public static int schemaId(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_BYTES) {
            throw new WireFormatException("record shorter than the 5-byte Confluent header", null);
        }
        if (bytes[0] != MAGIC) {
            throw new WireFormatException("unknown magic byte " + bytes[0] + " (expected 0)", null);
        }
        return ((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8) | (bytes[4] & 0xff);
    }

    private SpecificDatumReader<T> readerFor(int schemaId) {
        Schema writerSchema;
        try {
            writerSchema = registry.schemaById(schemaId);
        } catch (RegistryUnavailableException e) {
            throw e; // not a bad record: its reader waits for the registry
        } catch (RuntimeException e) {
            throw new WireFormatException("unknown schema id " + schemaId + ": " + e.getMessage(), e);
        }
        return new SpecificDatumReader<>(writerSchema, readerSchema, SpecificData.getForSchema(readerSchema));
    }
}
