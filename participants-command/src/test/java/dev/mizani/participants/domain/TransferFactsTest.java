package dev.mizani.participants.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.participants.avro.ParticipantAvro;
import dev.mizani.participants.domain.ParticipantEvent.*;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A participant's transfer facts packed into one event mean what the same facts mean one by one. */
class TransferFactsTest {
    private final ParticipantDecider decider = new ParticipantDecider();

    private Participant fold(Participant state, List<ParticipantEvent> events) {
        for (ParticipantEvent e : events) {
            state = decider.evolve(state, e);
        }
        return state;
    }

    private Participant payer() {
        return fold(decider.initialState(), List.of(new ParticipantCreated("payer"), new CurrencyAdded("payer", "USD"),
                new NetDebitCapSet("payer", "USD", 1_000), new FundsRecordedIn("payer", "USD", 1_000, "f-1", 1_000)));
    }

    /** Reserve t1 and t2, refuse t3, commit t1, release t2: every kind of fact, each stating its totals. */
    private static final List<ParticipantEvent> FACTS = List.of(
            new PayerFundsReserved("payer", "payee", "t1", 300, "USD", 0, 300),
            new PayerFundsReserved("payer", "payee", "t2", 200, "USD", 0, 500),
            new PayerFundsReservationRejected("payer", "payee", "t3", 900, "USD", 4001, "liquidity"),
            new PayerFundsCommitted("payer", "t1", 300, "USD", 300, 200),
            new PayerFundsReleased("payer", "t2", 200, "USD", 0),
            new PayeeFundsCommitted("payer", "t9", 50, "USD", 250));

    @Test
    void appliedPackedTheStateIsTheOneTheFactsLeaveOneByOne() {
        Participant oneByOne = fold(payer(), FACTS);
        Participant packed = decider.evolve(payer(), new TransferFacts("payer", FACTS));

        assertThat(packed).isEqualTo(oneByOne);
        Participant.Account usd = ((Participant.Registered) packed).accounts().get("USD");
        assertThat(usd.positionMinor()).isEqualTo(250);
        assertThat(usd.reservedMinor()).isZero();
        assertThat(usd.pending()).isEmpty();
    }

    @Test
    void aFactWhoseTotalsDisagreeFailsThePackedEventAsItWouldAlone() {
        List<ParticipantEvent> wrong = List.of(FACTS.get(0), new PayerFundsReserved("payer", "payee", "t2", 200, "USD", 0, 400));

        assertThatThrownBy(() -> fold(payer(), wrong)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> decider.evolve(payer(), new TransferFacts("payer", wrong)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusalsAloneApplyToAParticipantThatDoesNotExist() {
        Participant absent = decider.initialState();
        TransferFacts refused = new TransferFacts("ghost", List.of(
                new PayerFundsReservationRejected("ghost", "payee", "t1", 1, "USD", 3202, "payer FSP ghost is not registered")));

        assertThat(decider.evolve(absent, refused)).isEqualTo(absent);
    }

    @Test
    void theAvroFormKeepsEveryFactInOrder() {
        TransferFacts packed = new TransferFacts("payer", FACTS);

        assertThat(ParticipantAvro.event(ParticipantAvro.event(packed))).isEqualTo(packed);
        assertThat(ParticipantEvent.factsOf(packed)).isEqualTo(FACTS);
        assertThat(ParticipantEvent.factsOf(FACTS.getFirst())).containsExactly(FACTS.getFirst());
    }

    @Test
    void onlyThisParticipantsTransferFactsCanBePacked() {
        assertThatThrownBy(() -> new TransferFacts("payer", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no fact");
        assertThatThrownBy(() -> new TransferFacts("payer", List.of(new CurrencyAdded("payer", "EUR"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a transfer fact");
        assertThatThrownBy(() -> new TransferFacts("payer", List.of(new PayeeFundsCommitted("other", "t1", 1, "USD", -1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a transfer fact of payer");
    }
}
