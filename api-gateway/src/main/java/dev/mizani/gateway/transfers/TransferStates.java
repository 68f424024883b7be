package dev.mizani.gateway.transfers;

import dev.mizani.gateway.participants.ParticipantsView;
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
import java.util.function.Function;

/**
 * A transfer's FSPIOP state as the transfers handler decided it: its stream in the event store, folded. What
 * {@code GET /transfers/{ID}} answers, so an answer never trails a callback the DFSP already has (the read store
 * follows the events about a second behind).
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
    private final Function<String, Optional<State>> otherTransfers;

    /**
     * @param otherTransfers transfers that are not FSPIOP transfers, looked up when the id has no transfer stream:
     *                       funds in and out, which central-ledger also answers {@code GET /transfers/{ID}} for
     */
    public TransferStates(EventStore store, CachedSchemaRegistry registry, Function<String, Optional<State>> otherTransfers) {
        this.store = store;
        this.events = new EventWireCodec<>(registry, HubTopics.TRANSFERS_EVENTS, TransferEventEnvelope.getClassSchema());
        this.otherTransfers = otherTransfers;
    }

    public Optional<State> of(String transferId) throws SQLException {
        State state = null;
        for (StoredEvent stored : store.readStream("transfer-" + transferId)) {
            TransferEventEnvelope e = events.decode(stored.payload());
            state = next(state, e.getPayload(), e.getMetadata().getRecordedAt());
        }
        return state != null ? Optional.of(state) : otherTransfers.apply(transferId);
    }

    /**
     * A funds in (from the hub's reconciliation account to the participant's settlement account) or out (the other
     * way) as a transfer between the hub and the participant, as central-ledger stores one.
     */
    public static State ofFunds(ParticipantsView.FundsTransfer f, String hubName) {
        String payer = f.in() ? hubName : f.participant();
        String payee = f.in() ? f.participant() : hubName;
        return switch (f.state()) {
            case "COMMITTED" -> new State(payer, payee, "COMMITTED", null, f.at(), null, null);
            case "ABORTED" -> new State(payer, payee, "ABORTED", null, f.at(), FspiopError.GENERIC_CLIENT_ERROR.code(),
                    "funds out aborted");
            default -> new State(payer, payee, f.state(), null, null, null, null);
        };
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
