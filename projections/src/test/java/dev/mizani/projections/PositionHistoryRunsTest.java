package dev.mizani.projections;

import static dev.mizani.projections.TestTableSets.count;
import static dev.mizani.projections.TestTableSets.fresh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.projections.ReadQueries.PositionChangeView;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.participant.*;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Position history is stored in runs (one row per participant, currency and batch, at most a minute long), and read
 * back one change at a time. Checked on the real PostgreSQL: a history applied in one batch and applied one event per
 * batch hold the same changes; every run keeps to its span; the history query returns exactly the changes of any time
 * range, page by page, whichever runs they were stored in.
 */
class PositionHistoryRunsTest {
    private static final SharedInfrastructure infra = SharedInfrastructure.get();
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00.250Z");
    private static final String NAME = "runs";
    private static final List<ReadModel.Event> HISTORY = new ArrayList<>();
    /** The changes the history makes to NAME's USD position, as (version, time). */
    private static final List<long[]> CHANGES = new ArrayList<>();
    private static int eurChanges;

    @BeforeAll
    static void history() {
        add(new ParticipantCreated(NAME), T0, false);
        add(new CurrencyAdded(NAME, "USD"), T0, false);
        add(new NetDebitCapSet(NAME, "USD", 1_000_000L), T0, false);
        add(new CurrencyAdded(NAME, "EUR"), T0, false);
        Random random = new Random(5);
        Instant at = T0;
        long cover = 0;
        long position = 0;
        for (int i = 0; i < 120; i++) {
            // mostly a few seconds apart, sometimes minutes, sometimes a step back (another process's clock)
            int step = switch (random.nextInt(10)) {
                case 0 -> 90_000 + random.nextInt(200_000);
                case 1 -> -random.nextInt(3_000);
                default -> random.nextInt(8_000);
            };
            at = at.plusMillis(step);
            if (i % 3 == 0) {
                cover += 1_000;
                add(new FundsRecordedIn(NAME, "USD", 1_000L, "fi-" + i, cover), at, true);
            } else if (i % 7 == 0) {
                add(new FundsRecordedIn(NAME, "EUR", 500L, "fe-" + i, 500L * i), at, false);
                eurChanges++;
            } else {
                position -= 10 + i;
                add(new PayeeFundsCommitted(NAME, "t-" + i, 10L + i, "USD", position), at, true);
            }
        }
    }

    @Test
    void runsHoldEveryChangeAndTheHistoryQueryFindsExactlyTheRange() throws Exception {
        ReadModel whole = fresh(infra, "history_runs");
        ReadModel single = fresh(infra, "history_single");
        try (Connection c = infra.dataSource.getConnection()) {
            c.setAutoCommit(false);
            whole.apply(c, HISTORY, null);
            for (ReadModel.Event e : HISTORY) {
                single.apply(c, List.of(e), null);
            }
            c.commit();
            assertThat(ReadStoreComparison.differences(c, "history_runs", "history_single")).isEmpty();
            assertThat(count(c, "history_single.position_change_runs")).isEqualTo(CHANGES.size() + eurChanges);
            long runs = count(c, "history_runs.position_change_runs where currency = 'USD'");
            assertThat(runs).as("runs the one batch was cut into").isBetween(8L, (long) CHANGES.size() / 2);
            assertThat(count(c, "history_runs.position_change_runs where to_at - from_at > interval '1 minute'")).isZero();
            assertThat(count(c, "history_runs.position_changes where participant = '" + NAME + "' and currency = 'USD'"))
                    .isEqualTo(CHANGES.size());
        }

        ReadQueries reads = new ReadQueries(infra.dataSource, "history_runs");
        Instant end = Instant.ofEpochMilli(CHANGES.stream().mapToLong(x -> x[1]).max().orElseThrow());
        Random random = new Random(8);
        for (int i = 0; i < 60; i++) {
            Instant from = T0.plusMillis(random.nextLong(Duration.between(T0, end).toMillis() + 1));
            Instant to = from.plusMillis(random.nextInt(i % 4 == 0 ? 1_000 : 400_000));
            List<Long> expected = CHANGES.stream()
                    .filter(x -> x[1] >= from.toEpochMilli() && x[1] < to.toEpochMilli())
                    .map(x -> x[0]).toList();
            assertThat(versions(reads.positionHistory(NAME, "USD", from, to, 0, 10_000)))
                    .as("changes in [%s, %s)", from, to).isEqualTo(expected);
        }

        // the whole history, ten at a time, in version order: each page continues after the last version of the one
        // before (times are not in that order everywhere: one process's clock may be behind another's)
        List<Long> paged = new ArrayList<>();
        long after = 0;
        List<PositionChangeView> page;
        do {
            page = reads.positionHistory(NAME, "USD", Instant.EPOCH, end.plusSeconds(1), after, 10);
            paged.addAll(versions(page));
            after = page.isEmpty() ? after : page.getLast().version();
        } while (page.size() == 10);
        assertThat(paged).isEqualTo(CHANGES.stream().map(x -> x[0]).toList());
    }

    private static List<Long> versions(List<PositionChangeView> changes) {
        return changes.stream().map(PositionChangeView::version).toList();
    }

    private static void add(Object payload, Instant at, boolean movesUsd) {
        long version = HISTORY.size() + 1;
        HISTORY.add(new ReadModel.Event(-1, new EventMetadata(UUID.randomUUID().toString(), "participant-" + NAME,
                version, "corr", null, at), payload));
        if (movesUsd) {
            CHANGES.add(new long[] {version, at.toEpochMilli()});
        }
    }
}
