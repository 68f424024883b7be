package dev.mizani.platform.commandloop;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A table a context keeps beside its events, written in the same transaction as the batch's events
 * and offsets, so it can never disagree with them: the transfers' expiry timers, for instance.
 */
@FunctionalInterface
public interface TransactionalIndex<E> {
    TransactionalIndex<Object> NONE = (c, events) -> {};

    /** @param events the batch's new domain events, in order */
    void apply(Connection c, List<E> events) throws SQLException;

    /**
     * Called after the transaction that {@link #apply applied} {@code events} has committed, and never when its
     * outcome is unknown: for what may be known only of durable events.
     */
    default void committed(List<E> events) {
    }
}
