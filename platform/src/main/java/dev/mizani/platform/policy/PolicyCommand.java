package dev.mizani.platform.policy;

import org.apache.avro.specific.SpecificRecord;

/**
 * A command a policy derives from another context's event: the key it is re-keyed to (the aggregate
 * that must decide it), a deterministic id (the same event always yields the same id, so a repeated
 * event is recognised downstream), and the Avro payload of the command envelope.
 */
public record PolicyCommand(String key, String commandId, SpecificRecord payload) {}
