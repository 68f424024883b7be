package dev.mizani.participants.policy;

import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.schemas.participant.CommitPayeeFunds;
import dev.mizani.schemas.participant.CommitPayerFunds;
import dev.mizani.schemas.participant.ReleasePayerFunds;
import dev.mizani.schemas.participant.ReservePayerFunds;
import dev.mizani.schemas.transfer.LateReservationReleased;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.transfer.TransferPrepareAccepted;
import java.util.List;
import java.util.Set;

/**
 * The participants' reading of transfer events: an accepted prepare reserves on the payer, a commit
 * moves the payer's reservation into position and credits the payee, an abort or expiry that held a
 * reservation (or a late reservation) releases it. Stateless; each command is re-keyed to the
 * participant that must decide it. Every other transfer event means nothing to the participants.
 */
public final class TransferEventsPolicy {
    private TransferEventsPolicy() {}

    /** The event types {@link #commandsFor} turns into commands; every other one it is never given. */
    public static final Set<String> READS = Set.of(TransferPrepareAccepted.getClassSchema().getFullName(),
            TransferCommitted.getClassSchema().getFullName(), TransferAborted.getClassSchema().getFullName(),
            TransferExpired.getClassSchema().getFullName(), LateReservationReleased.getClassSchema().getFullName());

    public static List<PolicyCommand> commandsFor(Object transferEvent) {
        return switch (transferEvent) {
            case TransferPrepareAccepted e -> List.of(new PolicyCommand(e.getPayerFsp(), "reserve:" + e.getTransferId(),
                    new ReservePayerFunds(e.getPayerFsp(), e.getPayeeFsp(), e.getTransferId(), e.getAmountMinor(),
                            e.getCurrency())));
            case TransferCommitted e -> List.of(
                    new PolicyCommand(e.getPayerFsp(), "commit-payer:" + e.getTransferId(),
                            new CommitPayerFunds(e.getPayerFsp(), e.getTransferId())),
                    new PolicyCommand(e.getPayeeFsp(), "commit-payee:" + e.getTransferId(),
                            new CommitPayeeFunds(e.getPayeeFsp(), e.getTransferId(), e.getAmountMinor(), e.getCurrency())));
            case TransferAborted e when e.getReservationHeld() -> release(e.getPayerFsp(), e.getTransferId());
            case TransferExpired e when e.getReservationHeld() -> release(e.getPayerFsp(), e.getTransferId());
            case LateReservationReleased e -> release(e.getPayerFsp(), e.getTransferId());
            default -> List.of();
        };
    }

    /** A transfer releases at most once, whichever event asks: one id for all of them. */
    private static List<PolicyCommand> release(String payer, String transferId) {
        return List.of(new PolicyCommand(payer, "release:" + transferId, new ReleasePayerFunds(payer, transferId)));
    }
}
