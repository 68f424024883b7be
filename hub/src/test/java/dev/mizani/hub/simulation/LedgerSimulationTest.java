package dev.mizani.hub.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The seeded simulation: thousands of random transfers through both deciders, both policies and the
 * Avro mappings under drops, duplicates, reordering and crashes; then every ledger invariant. Fixed
 * seeds by default so CI is repeatable; {@code -Dsim.seed=N} replays one seed, {@code -Dsim.seeds=N}
 * adds N random seeds (each printed) for a longer search.
 */
class LedgerSimulationTest {
    private static final LedgerSimulation.Faults HOSTILE = new LedgerSimulation.Faults(0.05, 0.05, 0.02);

    @Test
    void ledgerInvariantsHoldUnderDropsDuplicatesReorderingAndCrashes() {
        List<Long> seeds = new ArrayList<>();
        Long replay = Long.getLong("sim.seed");
        if (replay != null) {
            seeds.add(replay);
        } else {
            seeds.addAll(List.of(1L, 2L, 3L, 4L, 5L));
            for (int i = 0; i < Integer.getInteger("sim.seeds", 0); i++) {
                seeds.add(System.nanoTime() ^ (i * 0x9E3779B97F4A7C15L));
            }
        }
        int committed = 0, aborted = 0, expired = 0, rejected = 0, capped = 0, fundsOut = 0, fundsOutAborted = 0;
        for (long seed : seeds) {
            System.out.println("ledger simulation seed " + seed);
            LedgerInvariants.Tally t = run(seed, 2_000, HOSTILE);
            System.out.println("  " + t);
            committed += t.committed();
            aborted += t.aborted();
            expired += t.expired();
            rejected += t.prepareRejected();
            capped += t.capRejections();
            fundsOut += t.fundsOut();
            fundsOutAborted += t.fundsOutAborted();
        }
        // The run exercised every outcome, or the invariants above would be checked on too little.
        assertThat(committed).isGreaterThan(1_000);
        assertThat(aborted).isGreaterThan(100);
        assertThat(expired).isGreaterThan(100);
        assertThat(rejected).isGreaterThan(50);
        assertThat(capped).isGreaterThan(50);
        assertThat(fundsOut).as("funds out reserved or recorded").isGreaterThan(50);
        assertThat(fundsOutAborted).as("funds out aborted").isGreaterThan(10);
    }

    @Test
    void withoutFaultsTheSameSeedGivesTheSameLedger() {
        LedgerInvariants.Tally a = run(42, 500, new LedgerSimulation.Faults(0, 0, 0));
        LedgerInvariants.Tally b = run(42, 500, new LedgerSimulation.Faults(0, 0, 0));
        assertThat(a).isEqualTo(b);
    }

    static LedgerInvariants.Tally run(long seed, int transfers, LedgerSimulation.Faults faults) {
        LedgerSimulation sim = new LedgerSimulation(seed, faults);
        sim.onboard();
        sim.dfsps.transfersMax = transfers;
        int guard = 0;
        while (sim.dfsps.transfersStarted < transfers) {
            sim.step(true);
            if (++guard > 10_000_000) {
                throw new AssertionError("simulation made no progress; seed " + seed);
            }
        }
        sim.drain();
        return LedgerInvariants.check(sim);
    }
}
