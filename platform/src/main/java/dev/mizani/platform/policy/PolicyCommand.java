package dev.mizani.platform.policy;

import org.apache.avro.specific.SpecificRecord;

/**
 * A command a policy derives from another context's event: the key it is re-keyed to (the aggregate
 * that must decide it), a deterministic id (the same event always yields the same id, so a repeated
 * event is recognised downstream), and the Avro payload of the command envelope.
 *
 * <p>Derived command ids have the form {@code <kind>:<key>} (reserve:t-1, expire:t-1). The command loop
 * checks only such ids against the commands an aggregate already applied; client commands carry unique
 * ids without a colon and are de-duplicated by their own domain rules.
 */
public record PolicyCommand(String key, String commandId, SpecificRecord payload) {

    public PolicyCommand {
        if (!isDerived(commandId)) {
            throw new IllegalArgumentException("derived command ids are <kind>:<key>, got " + commandId);
        }
    }

    public static boolean isDerived(String commandId) {
        return commandId != null && commandId.indexOf(':') > 0;
    }
}
