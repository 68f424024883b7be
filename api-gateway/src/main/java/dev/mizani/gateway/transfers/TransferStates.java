package dev.mizani.gateway.transfers;

import dev.mizani.platform.domain.FspiopError;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.transfer.TransferPrepareAccepted;
import dev.mizani.schemas.transfer.TransferPrepareRejected;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.schemas.wire.EventWireCodec;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * A transfer's FSPIOP state as the transfers handler decided it: its stream in the event store, folded. What
 * {@code GET /transfers/{ID}} answers, so an answer never trails a callback the DFSP already has (the read store
 * follows the events a few hundred milliseconds behind).
 */
public final class TransferStates {
    /**
     * @param state       RECEIVED, RESERVED, COMMITTED or ABORTED (an expiry is ABORTED, as FSPIOP names it)
     * @param completedAt when it committed or ended, else null
     * @param errorCode   why it was aborted (3303 for an expiry), else null
     */
    public record State(String payerFsp, String payeeFsp, String state, String fulfilment, Instant completedAt,
                        Integer errorCode, String errorDescription) {}

    private final EventStore store;
    private final EventWireCodec<TransferEventEnvelope> events;

    public TransferStates(EventStore store, CachedSchemaRegistry registry) {
        this.store = store;
        this.events = new EventWireCodec<>(registry, HubTopics.TRANSFERS_EVENTS, TransferEventEnvelope.getClassSchema());
    }

    public Optional<State> of(String transferId) throws SQLException {
        State state = null;
        for (StoredEvent stored : store.readStream("transfer-" + transferId)) {
            TransferEventEnvelope e = events.decode(stored.payload());
            state = next(state, e.getPayload(), e.getMetadata().getRecordedAt());
        }
        return Optional.ofNullable(state);
    }

    /** The state after one more event of the stream; events that change no state leave it as it was. */
    static State next(State s, Object event, Instant at) {
        return switch (event) {
            case TransferPrepareAccepted e -> new State(e.getPayerFsp(), e.getPayeeFsp(), "RECEIVED", null, null, null, null);
            case TransferPrepareRejected e -> new State(e.getPayerFsp(), e.getPayeeFsp(), "ABORTED", null, at,
                    e.getErrorCode(), e.getErrorDescription());
            case TransferReserved e -> new State(e.getPayerFsp(), e.getPayeeFsp(), "RESERVED", null, null, null, null);
            case TransferCommitted e -> new State(e.getPayerFsp(), e.getPayeeFsp(), "COMMITTED", e.getFulfilment(),
                    e.getCompletedAt(), null, null);
            case TransferAborted e -> new State(e.getPayerFsp(), e.getPayeeFsp(), "ABORTED", null, at, e.getErrorCode(),
                    e.getErrorDescription());
            case TransferExpired e -> new State(e.getPayerFsp(), e.getPayeeFsp(), "ABORTED", null, at,
                    FspiopError.TRANSFER_EXPIRED.code(), FspiopError.TRANSFER_EXPIRED.title());
            default -> s;
        };
    }
}
