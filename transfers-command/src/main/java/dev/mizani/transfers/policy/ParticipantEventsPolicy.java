package dev.mizani.transfers.policy;

import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.schemas.ParticipantFacts;
import dev.mizani.schemas.participant.PayerFundsReservationRejected;
import dev.mizani.schemas.participant.PayerFundsReserved;
import dev.mizani.schemas.transfer.AcknowledgeReservation;
import dev.mizani.schemas.transfer.RecordReservationRejected;
import java.util.ArrayList;
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
            PayerFundsReservationRejected.getClassSchema().getFullName(), ParticipantFacts.PACKED);

    /** The commands of each fact the event states, in order (several when it packs a batch's facts). */
    public static List<PolicyCommand> commandsFor(Object participantEvent) {
        List<?> facts = ParticipantFacts.of(participantEvent);
        if (facts.size() == 1) {
            return commandsForFact(facts.getFirst());
        }
        List<PolicyCommand> commands = new ArrayList<>(facts.size());
        for (Object fact : facts) {
            commands.addAll(commandsForFact(fact));
        }
        return commands;
    }

    private static List<PolicyCommand> commandsForFact(Object fact) {
        return switch (fact) {
            case PayerFundsReserved e -> List.of(new PolicyCommand(e.getTransferId(), "ack:" + e.getTransferId(),
                    new AcknowledgeReservation(e.getTransferId())));
            case PayerFundsReservationRejected e -> List.of(new PolicyCommand(e.getTransferId(),
                    "reservation-rejected:" + e.getTransferId(),
                    new RecordReservationRejected(e.getTransferId(), e.getErrorCode(), e.getErrorDescription())));
            default -> List.of();
        };
    }
}
