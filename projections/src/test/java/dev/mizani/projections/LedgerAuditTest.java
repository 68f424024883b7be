package dev.mizani.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.mizani.platform.metrics.Metrics;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.participant.InitialPositionSet;
import dev.mizani.schemas.participant.PayeeFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsCommitted;
import dev.mizani.schemas.participant.TransferFacts;
import dev.mizani.schemas.transfer.TransferCommitted;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LedgerAuditTest {
    private static final long HALF_AFTER_NS = 30_000_000_000L;
    private final LedgerAudit audit = new LedgerAudit(HALF_AFTER_NS);
    private final Map<String, Long> versions = new HashMap<>();
    private long now = 1_000;

    @Test
    void aCommitWhoseSidesMoveItsAmountOnceEachKeepsTheLedgerBalanced() {
        audit.apply(List.of(initial("payer", 0), initial("payee", 0)), now);
        audit.apply(List.of(committed("t1", 500), payer("t1", 500, 500), payee("t1", 500, -500)), now);
        assertThat(audit.check().up()).as(audit.check().detail()).isTrue();
        assertThat(audit.inFlight()).isZero();
    }

    @Test
    void aPayeeCreditedTwiceIsMoneyCreatedAndTheHealthSaysSo() {
        Metrics metrics = new Metrics();
        audit.export(metrics);
        audit.apply(List.of(initial("payer", 0), initial("payee", 0)), now);
        audit.apply(List.of(committed("t1", 500), payer("t1", 500, 500), payee("t1", 500, -500)), now);
        audit.apply(List.of(payee("t1", 500, -1_000)), now); // a second credit, at a new stream version
        assertThat(audit.check().up()).isFalse();
        assertThat(audit.check().detail()).contains("imbalance {USD=500}", "1 doubled sides", "payee side of transfer t1 applied again");
        String text = metrics.scrape();
        assertThat(dev.mizani.platform.testing.MetricsText.value(text, "mizani_ledger_imbalance_minor{currency=\"USD\"}")).isEqualTo(500);
        assertThat(dev.mizani.platform.testing.MetricsText.value(text, "mizani_ledger_doubled_sides")).isEqualTo(1);
    }

    @Test
    void anEventPublishedAgainAtTheSameVersionIsCountedOnce() {
        ReadModel.Event credit = payee("t1", 500, -500);
        audit.apply(List.of(committed("t1", 500), payer("t1", 500, 500), credit), now);
        audit.apply(List.of(credit, credit), now);
        assertThat(audit.check().up()).as(audit.check().detail()).isTrue();
    }

    @Test
    void aSideBeforeItsCommitWaitsForIt() {
        audit.apply(List.of(payee("t1", 500, -500), payer("t1", 500, 500)), now);
        audit.apply(List.of(committed("t1", 500)), now);
        assertThat(audit.inFlight()).isZero();
        assertThat(audit.check().up()).isTrue();
    }

    @Test
    void aCommitMissingASideForTooLongIsHalfCommitted() {
        audit.apply(List.of(committed("t1", 500), payer("t1", 500, 500)), now);
        assertThat(audit.check().up()).isTrue();
        audit.apply(List.of(), now + HALF_AFTER_NS + 1);
        assertThat(audit.check().up()).isFalse();
        assertThat(audit.check().detail()).contains("1 half-committed");
        audit.apply(List.of(payee("t1", 500, -500)), now + HALF_AFTER_NS + 2);
        assertThat(audit.check().up()).as(audit.check().detail()).isTrue();
    }

    @Test
    void sidesWithoutACommitAreLookedUpInTheReadStore() {
        audit.apply(List.of(payee("t1", 500, -500), payee("t2", 700, -1_200)), now);
        long later = now + HALF_AFTER_NS + 1;
        assertThat(audit.staleSides(later, 10)).containsExactly("t1", "t2");
        audit.resolve("t1", 500, "payer", "payee", Instant.EPOCH); // committed before the audit started: left for its payer side
        assertThat(audit.check().up()).isTrue();
        audit.resolve("t2", -1, null, null, null); // aborted, yet money moved
        assertThat(audit.check().up()).isFalse();
        assertThat(audit.check().detail()).contains("not committed");
    }

    @Test
    void aSideWhoseCommitCameBeforeTheAuditStartedWaitsForItsPartnerAfterTheLookUp() {
        // the payer's side is seen, the commit was applied before the audit started, the payee's side is in a poll the
        // audit is given later (its commit's answer lost, say): it settles the commit, it is not a second credit
        audit.apply(List.of(initial("payer", 0), initial("payee", 0)), now);
        audit.apply(List.of(payer("t1", 500, 500)), now);
        long later = now + HALF_AFTER_NS + 1;
        assertThat(audit.staleSides(later, 10)).containsExactly("t1");
        audit.resolve("t1", 500, "payer", "payee", Instant.EPOCH);
        assertThat(audit.staleSides(later, 10)).as("anchored now: not a stale side again").isEmpty();
        audit.apply(List.of(payee("t1", 500, -500)), later + 1);
        assertThat(audit.check().up()).as(audit.check().detail()).isTrue();
        assertThat(audit.inFlight()).isZero();

        // and a partner applied before the audit started too never comes: the read store's count closes the commit
        audit.apply(List.of(payer("t2", 700, 1_200)), later + 2);
        long evenLater = later + HALF_AFTER_NS + 3;
        assertThat(audit.staleSides(evenLater, 10)).containsExactly("t2");
        audit.resolve("t2", 700, "payer", "payee", Instant.EPOCH);
        assertThat(audit.staleCommits(evenLater + HALF_AFTER_NS / 3 + 1, 10)).extracting(LedgerAudit.StaleCommit::transferId)
                .containsExactly("t2");
        audit.resolveSides("t2", 1, 1);
        audit.apply(List.of(), evenLater + HALF_AFTER_NS + 4);
        assertThat(audit.check().up()).as(audit.check().detail()).isTrue();
        assertThat(audit.inFlight()).isZero();
    }

    @Test
    void aCommitWhoseSidesCameBeforeTheAuditStartedIsClosedByTheReadStoresCount() {
        audit.apply(List.of(committed("t1", 500), committed("t2", 700)), now);
        assertThat(audit.staleCommits(now + HALF_AFTER_NS / 3, 10)).isEmpty();
        long later = now + HALF_AFTER_NS / 3 + 1;
        assertThat(audit.staleCommits(later, 10)).extracting(LedgerAudit.StaleCommit::transferId, LedgerAudit.StaleCommit::payer,
                LedgerAudit.StaleCommit::payee).containsExactly(tuple("t1", "payer", "payee"), tuple("t2", "payer", "payee"));
        audit.resolveSides("t1", 1, 1);
        audit.resolveSides("t2", 1, 0); // the payee's side is nowhere yet: still open
        audit.apply(List.of(), now + HALF_AFTER_NS + 1);
        assertThat(audit.check().detail()).contains("1 half-committed transfers (t2 (0 payer and 0 payee sides))");
        audit.apply(List.of(payee("t2", 700, -700)), now + HALF_AFTER_NS + 2);
        assertThat(audit.check().up()).as(audit.check().detail()).isFalse(); // its payer side was never seen by the audit
        audit.resolveSides("t2", 1, 1);
        audit.apply(List.of(), now + HALF_AFTER_NS + 3);
        assertThat(audit.check().up()).as(audit.check().detail()).isTrue();
        assertThat(audit.check().detail()).contains("2 sides unverifiable");
    }

    @Test
    void aCommitRecordedSinceTheAuditStartedIsNeverLookedUpItsSidesCannotPredateTheAudit() {
        audit.apply(List.of(committed("t1", 500, Instant.now().plus(Duration.ofMinutes(2)))), now);
        assertThat(audit.staleCommits(now + HALF_AFTER_NS, 10)).as("a hub merely behind asks the database nothing")
                .isEmpty();
        audit.apply(List.of(), now + HALF_AFTER_NS + 1);
        assertThat(audit.check().detail()).contains("1 half-committed transfers (t1");
    }

    @Test
    void aSideTwiceInTheReadStoreIsMoneyCreated() {
        audit.apply(List.of(committed("t1", 500)), now);
        audit.resolveSides("t1", 1, 2);
        assertThat(audit.check().up()).isFalse();
        assertThat(audit.check().detail()).contains("imbalance {USD=500}", "1 payer and 2 payee sides");
    }

    @Test
    void aPositionThatIsNotThePreviousOnePlusTheAmountIsAMismatch() {
        audit.apply(List.of(initial("payer", 100), committed("t1", 500), payer("t1", 500, 700)), now);
        assertThat(audit.check().up()).isFalse();
        assertThat(audit.check().detail()).contains("1 position mismatches", "position 100 moved by 500");
    }

    @Test
    void packedFactsAreAuditedFactByFactAndAPackedEventDeliveredAgainOnce() {
        audit.apply(List.of(initial("payer", 0), initial("payee", 0)), now);
        ReadModel.Event payerSides = event("payer", new TransferFacts("payer", List.of(
                new PayerFundsCommitted("payer", "t1", 500L, "USD", 500L, 0L),
                new PayerFundsCommitted("payer", "t2", 200L, "USD", 700L, 0L))));
        ReadModel.Event payeeSides = event("payee", new TransferFacts("payee", List.of(
                new PayeeFundsCommitted("payee", "t1", 500L, "USD", -500L),
                new PayeeFundsCommitted("payee", "t2", 200L, "USD", -700L))));
        audit.apply(List.of(committed("t1", 500), committed("t2", 200), payerSides, payeeSides), now);
        audit.apply(List.of(payeeSides, payerSides), now);
        assertThat(audit.check().up()).as(audit.check().detail()).isTrue();
        assertThat(audit.inFlight()).isZero();

        // a packed event at a new version crediting t2 again: money created, found as it is in a single event
        audit.apply(List.of(event("payee", new TransferFacts("payee", List.of(
                new PayeeFundsCommitted("payee", "t2", 200L, "USD", -900L))))), now);
        assertThat(audit.check().up()).isFalse();
        assertThat(audit.check().detail()).contains("payee side of transfer t2 applied again");
    }

    private ReadModel.Event event(String participant, Object payload) {
        long version = versions.merge(participant, 1L, Long::sum);
        return new ReadModel.Event(-1, new EventMetadata("e-" + participant + version, "participant-" + participant,
                version, "c", "x", Instant.EPOCH), payload);
    }

    private ReadModel.Event initial(String participant, long position) {
        return event(participant, new InitialPositionSet(participant, "USD", position));
    }

    private ReadModel.Event payer(String transferId, long amount, long positionAfter) {
        return event("payer", new PayerFundsCommitted("payer", transferId, amount, "USD", positionAfter, 0L));
    }

    private ReadModel.Event payee(String transferId, long amount, long positionAfter) {
        return event("payee", new PayeeFundsCommitted("payee", transferId, amount, "USD", positionAfter));
    }

    private static ReadModel.Event committed(String transferId, long amount) {
        return committed(transferId, amount, Instant.EPOCH);
    }

    private static ReadModel.Event committed(String transferId, long amount, Instant recordedAt) {
        return new ReadModel.Event(0, new EventMetadata("e-" + transferId, "transfer-" + transferId, 3L, "c", "x",
                recordedAt), TransferCommitted.newBuilder().setTransferId(transferId).setPayerFsp("payer")
                .setPayeeFsp("payee").setAmountMinor(amount).setCurrency("USD")
                .setCompletedAt(Instant.EPOCH).setFulfilment("f").setRequestHash("h").build());
    }
}
