package dev.mizani.hub.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The seeded simulation: thousands of random transfers through the production command loop of both handlers,
 * both deciders, both policies, the Avro mappings and the views, under failing store calls, lost commit
 * outcomes, database and broker outages, half-done sends, crashes between any two side effects, process
 * restarts, policy redelivery, rebalances and lagging views; then every ledger invariant. Fixed seeds by
 * default so CI is repeatable; {@code -Dsim.seed=N} replays one seed, {@code -Dsim.seeds=N} adds N random seeds
 * (each printed) for a longer search.
 */
class LedgerSimulationTest {
    /** Per store or broker call, per step: failing calls, lost commit outcomes, crashes, half-done sends, outages. */
    static final LedgerSimulation.Faults HOSTILE = new LedgerSimulation.Faults(
            new SimFaults.Rates(0.02, 0.01, 0.005, 0.01, 0.005), 0.002, 0.02, 0.01);

    @Test
    void ledgerInvariantsHoldUnderDropsDuplicatesReorderingAndCrashes() {
        List<Long> seeds = new ArrayList<>();
        Long replay = Long.getLong("sim.seed");
        if (replay != null) {
            seeds.add(replay);
        } else {
            seeds.addAll(List.of(2L, 3L, 5L, 6L, 7L));
            for (int i = 0; i < Integer.getInteger("sim.seeds", 0); i++) {
                seeds.add(System.nanoTime() ^ (i * 0x9E3779B97F4A7C15L));
            }
        }
        int committed = 0, aborted = 0, expired = 0, rejected = 0, capped = 0, fundsOut = 0, fundsOutAborted = 0, packed = 0, packs = 0;
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
            packed += t.packedEvents();
            packs += t.commandPacks();
        }
        // The run exercised every outcome, or the invariants above would be checked on too little.
        assertThat(committed).isGreaterThan(1_000);
        assertThat(aborted).isGreaterThan(100);
        assertThat(expired).isGreaterThan(100);
        assertThat(rejected).isGreaterThan(50);
        assertThat(capped).isGreaterThan(50);
        assertThat(fundsOut).as("funds out reserved or recorded").isGreaterThan(50);
        assertThat(fundsOutAborted).as("funds out aborted").isGreaterThan(10);
        assertThat(packed).as("participant events packing a batch's transfer facts").isGreaterThan(100);
        assertThat(packs).as("participants' commands packed by their policy").isGreaterThan(100);
    }

    /**
     * Two seeds that failed before their fixes, kept as they are: with seed 1 the participants handler credited
     * payees twice (a derived command repeated three times in one batch, one copy already applied, slipped past
     * the already-applied check: money created); with seed 4 the gateway's view of participants ended on an older
     * version of an account (a repeated command's stored outcome was published again after newer events, and the
     * view applied its absolute balances). A change to the simulation's draws can move these traces to other
     * seeds; the default seeds and {@code -Dsim.seeds} keep searching.
     */
    @Test
    void theSeedsThatFoundTheDoubleCreditAndTheStaleViewStayGreen() {
        LedgerInvariants.Tally doubleCredit = run(1, 2_000, HOSTILE);
        LedgerInvariants.Tally staleView = run(4, 2_000, HOSTILE);
        assertThat(doubleCredit.committed()).isGreaterThan(500);
        assertThat(staleView.committed()).isGreaterThan(500);
    }

    @Test
    void withoutFaultsTheSameSeedGivesTheSameLedger() {
        LedgerInvariants.Tally a = run(42, 500, LedgerSimulation.Faults.NONE);
        LedgerInvariants.Tally b = run(42, 500, LedgerSimulation.Faults.NONE);
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
        String injected = sim.summary();
        sim.drain();
        LedgerInvariants.Tally tally = LedgerInvariants.check(sim);
        System.out.println("  seed " + seed + ": " + injected);
        return tally;
    }
}
