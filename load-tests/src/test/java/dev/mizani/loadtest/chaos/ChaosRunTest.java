package dev.mizani.loadtest.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real stack under faults, bounded for the default test command: the embedded hub in its own JVM under FSPIOP
 * load over HTTP, while its JVM is killed and restarted, a PostgreSQL backend and the postmaster are killed, and it
 * is stopped gracefully and restarted; then every ledger check from the event store, the admin API and the query
 * API, and the hub's own audit. The long run is {@code ChaosRun} with {@code seconds=1800}.
 */
class ChaosRunTest {
    /** Kept when a test fails: the hub's and PostgreSQL's logs of the run are what explains it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path out;

    @Test
    void everyTransferEndsOnceAndTheLedgerAgreesAfterEveryKindOfFault() throws Exception {
        ChaosRun.Settings settings = ChaosRun.Settings.parse(new String[] {
                "seconds=70", "rate=40", "dfsps=4", "faultGapMs=4000", "expiresInMs=20000", "seed=7", "heap=1g", "rounds=1",
                "out=" + out});
        ChaosRun.Report report = new ChaosRun(settings).run();
        System.out.println(report.summary());
        assertLedgerHeldThrough(settings, report);
    }

    /**
     * Two hub processes running every service on one broker and database, the DFSPs sending each request to either
     * gateway, while the second process is killed and stopped and started again (its partitions, timers and callbacks
     * go to the first meanwhile), and PostgreSQL drops a connection. Eight DFSPs, one on each partition, so that each
     * process's participants handler owns some of them whatever the group's assignment (with four, all of them fell on
     * the first process's partitions in about one run in sixteen, and the peer decided no participant command).
     */
    @Test
    void twoProcessesOfEveryServiceShareTheLoadAndTheLedgerHoldsWhileOneComesAndGoes() throws Exception {
        ChaosRun.Settings settings = ChaosRun.Settings.parse(new String[] {
                "seconds=60", "rate=40", "dfsps=8", "faultGapMs=6000", "expiresInMs=20000", "seed=11", "heap=768m",
                "rounds=1", "peers=1", "faults=PEER_KILL,POSTGRES_BACKEND_KILL,PEER_SIGTERM", "out=" + out});
        ChaosRun.Report report = new ChaosRun(settings).run();
        System.out.println(report.summary());
        assertLedgerHeldThrough(settings, report);
        assertThat(report.peerCommands()).as("commands the peer's handlers decided")
                .hasEntrySatisfying("transfers", n -> assertThat(n).isPositive())
                .hasEntrySatisfying("participants", n -> assertThat(n).isPositive());
    }

    private static void assertLedgerHeldThrough(ChaosRun.Settings settings, ChaosRun.Report report) {
        assertThat(report.ledger().violations()).as("ledger violations").isEmpty();
        assertThat(report.auditUp()).as("the hub's ledger audit: %s", report.auditDetail()).isTrue();
        EnumSet<ChaosRun.Fault> injected = EnumSet.noneOf(ChaosRun.Fault.class);
        report.recoveries().forEach(r -> injected.add(r.fault()));
        assertThat(injected).as("every kind of fault happened").isEqualTo(EnumSet.copyOf(settings.faults()));
        assertThat(report.recoveries()).as("the hub committed new transfers after every fault")
                .allSatisfy(r -> assertThat(r.firstCommitMs()).as(r.toString()).isNotNegative());
        assertThat(report.ledger().committed()).as("transfers committed").isGreaterThan(200);
        assertThat(report.accepted()).as("prepares accepted").isGreaterThan(500);
    }
}
