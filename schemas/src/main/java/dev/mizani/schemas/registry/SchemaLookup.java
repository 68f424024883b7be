package dev.mizani.schemas.registry;

/**
 * The two registry calls the wire format needs: register a schema under a subject (idempotently) for its id,
 * and fetch a schema by id. {@link SchemaRegistryClient} speaks them to a Confluent-compatible registry; the
 * seeded simulation keeps them in memory.
 */
public interface SchemaLookup {
    /** Registers (or finds) the schema under the subject and returns its global id. */
    int register(String subject, String avroSchema);

    /** The schema text of a global id. */
    String schemaById(int id);
}
