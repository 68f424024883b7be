package dev.mizani.gateway.participants;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.schemas.participant.PayeeFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsReleased;
import dev.mizani.schemas.participant.PayerFundsReserved;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PositionEffectsTest {
    @Test
    void aCommitIsIncludedOnceBothItsPayerAndPayeeChangesAreApplied() {
        PositionEffects effects = new PositionEffects(100);
        CompletableFuture<Void> committed = effects.whenApplied(PositionEffects.commit("t1"));
        effects.applied(PositionEffects.of(new PayeeFundsCommitted("payee", "t1", 100L, "USD", -100L)));
        assertThat(committed).as("the payer's side is still to come").isNotDone();
        effects.applied(PositionEffects.of(new PayerFundsCommitted("payer", "t1", 100L, "USD", 100L, 0L)));
        assertThat(committed).isCompleted();
        assertThat(effects.whenApplied(PositionEffects.commit("t1"))).as("asked again, after the fact").isCompleted();
    }

    @Test
    void aReleaseIsItsOwnChangeAndOtherEventsNameNone() {
        PositionEffects effects = new PositionEffects(100);
        effects.applied(PositionEffects.of(new PayerFundsReleased("payer", "t2", 100L, "USD", 0L)));
        assertThat(effects.whenApplied(PositionEffects.release("t2"))).isCompleted();
        assertThat(effects.whenApplied(PositionEffects.commit("t2"))).isNotDone();
        assertThat(PositionEffects.of(new PayerFundsReserved("payer", "payee", "t3", 100L, "USD", 100L,
                100L))).isNull();
    }

    @Test
    void onlyTheLatestChangesAreRememberedAndAWaiterThatGaveUpIsDropped() {
        PositionEffects effects = new PositionEffects(2);
        for (String id : List.of("a", "b", "c")) {
            effects.applied("release:" + id);
        }
        assertThat(effects.whenApplied(PositionEffects.release("c"))).isCompleted();
        CompletableFuture<Void> forgotten = effects.whenApplied(PositionEffects.release("a"));
        assertThat(forgotten).as("the eldest was evicted").isNotDone();
        effects.forget(PositionEffects.release("a"));
        assertThat(forgotten).as("released to its caller, who sends anyway").isCompleted();
    }
}
