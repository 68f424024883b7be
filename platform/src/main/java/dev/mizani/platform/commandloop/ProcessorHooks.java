package dev.mizani.platform.commandloop;

/**
 * Points in a batch where tests inject crashes and pauses. Production passes {@link #NONE}. A hook that
 * throws behaves like the process dying there: the processor stops without cleaning up its batch.
 */
@FunctionalInterface
public interface ProcessorHooks {
    ProcessorHooks NONE = point -> {};

    enum Point {
        /** Commands decided, nothing written yet. */
        BEFORE_TRANSACTION,
        /** Events, snapshots and offsets written, transaction not committed. */
        INSIDE_TRANSACTION,
        /** Transaction committed, events not yet published. */
        AFTER_COMMIT
    }

    void at(Point point);
}
