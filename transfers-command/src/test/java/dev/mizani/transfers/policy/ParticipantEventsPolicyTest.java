package dev.mizani.transfers.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.schemas.ParticipantFacts;
import dev.mizani.schemas.participant.PayeeFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsReservationRejected;
import dev.mizani.schemas.participant.PayerFundsReserved;
import dev.mizani.schemas.participant.TransferFacts;
import dev.mizani.schemas.transfer.AcknowledgeReservation;
import dev.mizani.schemas.transfer.RecordReservationRejected;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The transfers' reading of participant events, one at a time or packed. */
class ParticipantEventsPolicyTest {
    private static final PayerFundsReserved T1_RESERVED = new PayerFundsReserved("payer", "payee", "t1", 300L, "USD", 0L, 300L);
    private static final PayerFundsReservationRejected T2_REFUSED =
            new PayerFundsReservationRejected("payer", "payee", "t2", 900L, "USD", 4001, "liquidity");

    @Test
    void aReservationTakenOrRefusedIsACommandToItsTransfer() {
        assertThat(ParticipantEventsPolicy.commandsFor(T1_RESERVED)).containsExactly(
                new PolicyCommand("t1", "ack:t1", new AcknowledgeReservation("t1")));
        assertThat(ParticipantEventsPolicy.commandsFor(T2_REFUSED)).containsExactly(
                new PolicyCommand("t2", "reservation-rejected:t2", new RecordReservationRejected("t2", 4001, "liquidity")));
    }

    @Test
    void aPackedEventGivesEachFactsCommandsInOrder() {
        PayeeFundsCommitted credit = new PayeeFundsCommitted("payer", "t0", 50L, "USD", -50L);
        TransferFacts packed = new TransferFacts("payer", List.of(T2_REFUSED, credit, T1_RESERVED));

        assertThat(ParticipantEventsPolicy.READS).contains(ParticipantFacts.PACKED);
        assertThat(ParticipantEventsPolicy.commandsFor(packed)).extracting(PolicyCommand::commandId)
                .containsExactly("reservation-rejected:t2", "ack:t1");
    }
}
