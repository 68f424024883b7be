package dev.mizani.transfers.policy;

import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.schemas.participant.PayerFundsReservationRejected;
import dev.mizani.schemas.participant.PayerFundsReserved;
import dev.mizani.schemas.transfer.AcknowledgeReservation;
import dev.mizani.schemas.transfer.RecordReservationRejected;
import java.util.List;
import java.util.Set;

/**
 * The transfers' reading of participant events: the payer's reservation taken or refused becomes a
 * command to the transfer, re-keyed by transfer id. Every other participant event means nothing here.
 */
public final class ParticipantEventsPolicy {
    private ParticipantEventsPolicy() {}

    /** The event types {@link #commandsFor} turns into commands; every other one it is never given. */
    public static final Set<String> READS = Set.of(PayerFundsReserved.getClassSchema().getFullName(),
            PayerFundsReservationRejected.getClassSchema().getFullName());

    public static List<PolicyCommand> commandsFor(Object participantEvent) {
        return switch (participantEvent) {
            case PayerFundsReserved e -> List.of(new PolicyCommand(e.getTransferId(), "ack:" + e.getTransferId(),
                    new AcknowledgeReservation(e.getTransferId())));
            case PayerFundsReservationRejected e -> List.of(new PolicyCommand(e.getTransferId(),
                    "reservation-rejected:" + e.getTransferId(),
                    new RecordReservationRejected(e.getTransferId(), e.getErrorCode(), e.getErrorDescription())));
            default -> List.of();
        };
    }
}
