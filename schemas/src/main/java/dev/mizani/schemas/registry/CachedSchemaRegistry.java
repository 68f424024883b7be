package dev.mizani.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Registry lookups cached forever: a schema id names one immutable schema, so the cache never goes
 * stale. The hot path (encode with a known id, decode a known id) never touches the network.
 * Both maps are bounded by the number of schemas the hub knows, a few dozen.
 */
public final class CachedSchemaRegistry {
    private final SchemaLookup client;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();

    public CachedSchemaRegistry(SchemaLookup client) {
        this.client = client;
    }

    /** Registers (idempotently) and returns the schema's global id. */
    public int register(String subject, Schema schema) {
        String key = subject + '\u0000' + schema.toString();
        return idsBySubjectAndSchema.computeIfAbsent(key, k -> {
            int id = client.register(subject, schema.toString());
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    /**
     * The schema of a global id. Throws {@link RegistryUnavailableException} when the registry cannot be asked now,
     * and {@link RegistryException} when it answered that it has no such id.
     */
    public Schema schemaById(int id) {
        return schemasById.computeIfAbsent(id, i -> {
            String text;
            try {
                text = client.schemaById(i);
            } catch (RegistryException e) {
                if (e.isUnavailable()) {
                    throw new RegistryUnavailableException(i, e);
                }
                throw e;
            }
            return new Schema.Parser().parse(text);
        });
    }
}
