package dev.mizani.platform.testing;

import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.EventWireCodec;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Records as a newer version of their writer would write them: the same record with one more optional field at its
 * end, registered under the same subject. A reader meets a schema id it has not seen, as in a rolling upgrade.
 */
public final class NewerWriter {
    private NewerWriter() {}

    /** The record's schema with an optional string field {@code addedLater} (default null) appended. */
    public static Schema of(Schema record) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        Schema optionalString = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
        fields.add(new Schema.Field("addedLater", optionalString, "added by a newer writer", Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, fields);
    }

    /** {@link #rewrite} for an event of {@code topic}, under its type's subject (one schema per event type). */
    public static byte[] rewriteEvent(byte[] framed, String topic, CachedSchemaRegistry registry) {
        return rewrite(framed, EventWireCodec.subject(topic, writerOf(framed, registry)), registry);
    }

    /**
     * Confluent-framed bytes as the newer writer writes them: framed with the newer schema's id under {@code subject},
     * and the appended field null (its union's branch 0, one zero byte).
     */
    public static byte[] rewrite(byte[] framed, String subject, CachedSchemaRegistry registry) {
        int id = registry.register(subject, of(writerOf(framed, registry)));
        ByteArrayOutputStream out = new ByteArrayOutputStream(framed.length + 1);
        out.write(0);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        out.write(framed, 5, framed.length - 5);
        out.write(0);
        return out.toByteArray();
    }

    private static Schema writerOf(byte[] framed, CachedSchemaRegistry registry) {
        int id = ((framed[1] & 0xff) << 24) | ((framed[2] & 0xff) << 16) | ((framed[3] & 0xff) << 8) | (framed[4] & 0xff);
        return registry.schemaById(id);
    }
}
