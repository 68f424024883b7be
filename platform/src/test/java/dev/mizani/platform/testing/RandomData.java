package dev.mizani.platform.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/** Random values of the contract's schemas, for tests that must hold for any event or command. */
public final class RandomData {
    private RandomData() {}

    /** A value of every kind the contract uses: records, unions, strings, numbers, booleans, timestamps. */
    public static Object datum(Schema schema, Random random) {
        return switch (schema.getType()) {
            case RECORD -> {
                GenericData.Record r = new GenericData.Record(schema);
                schema.getFields().forEach(f -> r.put(f.name(), datum(f.schema(), random)));
                yield r;
            }
            case UNION -> datum(schema.getTypes().get(random.nextInt(schema.getTypes().size())), random);
            case STRING -> "s" + random.nextInt(1_000);
            case LONG -> schema.getLogicalType() instanceof LogicalTypes.TimestampMillis
                    ? Math.abs(random.nextLong() % 4_000_000_000_000L) : random.nextLong();
            case INT -> random.nextInt();
            case BOOLEAN -> random.nextBoolean();
            case NULL -> null;
            case BYTES -> {
                byte[] bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
                yield java.nio.ByteBuffer.wrap(bytes);
            }
            case MAP -> {
                java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    map.put("k" + random.nextInt(1_000), datum(schema.getValueType(), random));
                }
                yield map;
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    list.add(datum(schema.getElementType(), random));
                }
                yield list;
            }
            default -> throw new IllegalStateException("the contract has no " + schema.getType() + " yet: add it here");
        };
    }

    /** A random instance of the generated class of {@code record}, through its binary form. */
    public static SpecificRecord specific(Schema record, Random random) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<Object>(record).write(datum(record, random), encoder);
            encoder.flush();
            return new SpecificDatumReader<SpecificRecord>(record, record, SpecificData.getForSchema(record))
                    .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
