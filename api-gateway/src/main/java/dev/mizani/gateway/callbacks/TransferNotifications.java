package dev.mizani.gateway.callbacks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mizani.gateway.participants.PositionEffects;
import dev.mizani.platform.domain.FspiopError;
import dev.mizani.platform.domain.money.FspiopAmount;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferDuplicateReported;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.transfer.TransferPrepareRejected;
import dev.mizani.schemas.transfer.TransferRequestRefused;
import dev.mizani.schemas.transfer.TransferReserved;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Which transfer events become which callbacks: the reserved prepare is forwarded to the payee
 * (POST /transfers); a commit goes to the payer (PUT /transfers/{ID}, COMMITTED) and, when it asked, the payee
 * (PATCH); an abort or expiry
 * goes to the payer and, if the prepare was forwarded to it, the payee; and a refused prepare or request to its sender (PUT /transfers/{ID}/error); a resent
 * prepare of a finished transfer gets its state back. Every other event calls no one.
 */
public final class TransferNotifications {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter FSPIOP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private TransferNotifications() {}

    public static List<Callback> callbacksFor(Object event) {
        return callbacksFor(event, null);
    }

    /** @param recordedAt when the event was decided: the completedTimestamp of a PATCH that tells an abort */
    public static List<Callback> callbacksFor(Object event, java.time.Instant recordedAt) {
        return switch (event) {
            case TransferReserved e -> List.of(new Callback(e.getPayeeFsp(), Callback.POST, "POST", e.getTransferId(),
                    prepare(e), e.getPayerFsp(), e.getAsReceived()));
            case TransferCommitted e -> committed(e);
            case TransferAborted e -> aborted(e, recordedAt);
            case TransferExpired e -> toPayerAndForwardedPayee(e.getPayerFsp(), e.getPayeeFsp(), e.getReservationHeld(),
                    e.getTransferId(), error(FspiopError.TRANSFER_EXPIRED.code(), FspiopError.TRANSFER_EXPIRED.describe(
                            "transfer " + e.getTransferId() + " expired")));
            case TransferPrepareRejected e -> List.of(new Callback(e.getPayerFsp(), Callback.ERROR, "PUT",
                    e.getTransferId(), error(e.getErrorCode(), e.getErrorDescription())));
            case TransferRequestRefused e -> List.of(new Callback(e.getSourceFsp(), Callback.ERROR, "PUT",
                    e.getTransferId(), error(e.getErrorCode(), e.getErrorDescription())));
            case TransferDuplicateReported e -> switch (e.getState()) {
                // A resend of a finished transfer is answered with its state (FSPIOP 6.7.5); one in progress
                // gets the final callback when it finishes.
                case "COMMITTED", "ABORTED", "EXPIRED" -> List.of(new Callback(e.getSourceFsp(), Callback.PUT, "PUT",
                        e.getTransferId(), duplicate(e)));
                default -> List.of();
            };
            default -> List.of();
        };
    }

    /**
     * The position changes a transfer event's callbacks wait for, so that a DFSP that reads positions after the
     * callback finds the transfer in them (central-ledger notifies after its position handler): a commit's payer and
     * payee changes; an abort's or expiry's release of a reservation the payer held. None for every other event.
     */
    public static List<String> positionChanges(Object event) {
        return switch (event) {
            case TransferCommitted e -> PositionEffects.commit(e.getTransferId());
            case TransferAborted e when e.getReservationHeld() -> PositionEffects.release(e.getTransferId());
            case TransferExpired e when e.getReservationHeld() -> PositionEffects.release(e.getTransferId());
            default -> List.of();
        };
    }

    /**
     * The answer to {@code GET /transfers/{ID}} from one of the transfer's parties, from the transfer's own stream:
     * its state on PUT /transfers/{ID} (with the fulfilment and completedTimestamp once committed, and, once aborted,
     * the cause as central-ledger reports it: an extension {@code cause} of {@code "<code>: <description>"}), or
     * 3208 on the error endpoint when the transfer is unknown or the asker is not a party to it (so nothing is
     * revealed about others' transfers).
     */
    public static Callback lookup(String asker, String transferId,
                                  java.util.Optional<dev.mizani.gateway.transfers.TransferStates.State> found) {
        if (found.isEmpty() || !(found.get().payerFsp().equals(asker) || found.get().payeeFsp().equals(asker))) {
            // Mojaloop's words, which its collections compare; they reveal nothing of whose the transfer is
            return new Callback(asker, Callback.ERROR, "PUT", transferId, error(FspiopError.TRANSFER_ID_NOT_FOUND.code(),
                    FspiopError.TRANSFER_ID_NOT_FOUND.describe("Provided Transfer ID was not found on the server.")));
        }
        var t = found.get();
        ObjectNode body = JSON.createObjectNode();
        if (t.fulfilment() != null) {
            body.put("fulfilment", t.fulfilment());
        }
        if (t.completedAt() != null) {
            body.put("completedTimestamp", FSPIOP_TIME.format(t.completedAt()));
        }
        body.put("transferState", t.state());
        if (t.errorCode() != null) {
            body.putObject("extensionList").putArray("extension").addObject().put("key", "cause")
                    .put("value", t.errorCode() + ": " + t.errorDescription());
        }
        return new Callback(asker, Callback.PUT, "PUT", transferId, body.toString());
    }

    /**
     * As any end; a payee's rejection reaches the payer as the payee sent it, when kept; and a payee whose RESERVED
     * answer ended the transfer (a wrong fulfilment) is told by PATCH with ABORTED and the cause, as central-ledger
     * does.
     */
    private static List<Callback> aborted(TransferAborted e, java.time.Instant recordedAt) {
        String error = error(e.getErrorCode(), e.getErrorDescription());
        if (e.getPayeeAskedForCommit()) {
            ObjectNode patch = JSON.createObjectNode();
            if (recordedAt != null) {
                patch.put("completedTimestamp", FSPIOP_TIME.format(recordedAt));
            }
            patch.put("transferState", "ABORTED").putObject("extensionList").putArray("extension").addObject()
                    .put("key", "cause").put("value", e.getErrorCode() + ": " + e.getErrorDescription());
            return List.of(new Callback(e.getPayerFsp(), Callback.ERROR, "PUT", e.getTransferId(), error),
                    new Callback(e.getPayeeFsp(), Callback.PUT, "PATCH", e.getTransferId(), patch.toString()));
        }
        List<Callback> callbacks = toPayerAndForwardedPayee(e.getPayerFsp(), e.getPayeeFsp(), e.getReservationHeld(),
                e.getTransferId(), error);
        if (e.getAsReceived() == null) {
            return callbacks;
        }
        Callback toPayer = callbacks.getFirst();
        Callback forwarded = new Callback(toPayer.participant(), toPayer.endpointType(), toPayer.method(),
                toPayer.transferId(), toPayer.body(), e.getPayeeFsp(), e.getAsReceived());
        return callbacks.size() == 1 ? List.of(forwarded) : List.of(forwarded, callbacks.get(1));
    }

    /**
     * The payee hears of a transfer's end only if the prepare was forwarded to it, which happens when the
     * reservation is taken: a transfer refused by the payer's position never reached the payee.
     */
    private static List<Callback> toPayerAndForwardedPayee(String payer, String payee, boolean forwarded, String transferId,
                                                           String body) {
        Callback toPayer = new Callback(payer, Callback.ERROR, "PUT", transferId, body);
        return forwarded ? List.of(toPayer, new Callback(payee, Callback.ERROR, "PUT", transferId, body)) : List.of(toPayer);
    }

    /**
     * The payer always hears of the commit; the payee only if it fulfilled with transferState RESERVED, by
     * FSPIOP v1.1's PATCH /transfers/{ID} (to the same endpoint as PUT) carrying the final state.
     */
    private static List<Callback> committed(TransferCommitted e) {
        String completed = FSPIOP_TIME.format(e.getCompletedAt());
        Callback toPayer = new Callback(e.getPayerFsp(), Callback.PUT, "PUT", e.getTransferId(),
                JSON.createObjectNode().put("fulfilment", e.getFulfilment()).put("completedTimestamp", completed)
                        .put("transferState", "COMMITTED").toString(), e.getPayeeFsp(), e.getAsReceived());
        if (!e.getPayeeAskedForCommit()) {
            return List.of(toPayer);
        }
        return List.of(toPayer, new Callback(e.getPayeeFsp(), Callback.PUT, "PATCH", e.getTransferId(),
                JSON.createObjectNode().put("completedTimestamp", completed).put("transferState", "COMMITTED").toString()));
    }

    /** A finished transfer's state again; a committed one's with its fulfilment and completion time, when kept. */
    private static String duplicate(TransferDuplicateReported e) {
        ObjectNode body = JSON.createObjectNode();
        if (e.getFulfilment() != null) {
            body.put("fulfilment", e.getFulfilment());
        }
        if (e.getCompletedAt() != null) {
            body.put("completedTimestamp", FSPIOP_TIME.format(e.getCompletedAt()));
        }
        return body.put("transferState", e.getState().equals("EXPIRED") ? "ABORTED" : e.getState()).toString();
    }

    private static String prepare(TransferReserved e) {
        ObjectNode body = JSON.createObjectNode()
                .put("transferId", e.getTransferId())
                .put("payerFsp", e.getPayerFsp())
                .put("payeeFsp", e.getPayeeFsp());
        body.putObject("amount").put("amount", FspiopAmount.format(e.getAmountMinor(), e.getCurrency()))
                .put("currency", e.getCurrency());
        body.put("ilpPacket", e.getIlpPacket())
                .put("condition", e.getCondition())
                .put("expiration", FSPIOP_TIME.format(e.getExpiration()));
        return body.toString();
    }

    private static String error(int code, String description) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("errorInformation").put("errorCode", Integer.toString(code))
                .put("errorDescription", description.length() <= 128 ? description : description.substring(0, 128));
        return body.toString();
    }

}
