package dev.mizani.projections;

import static dev.mizani.projections.TestTableSets.count;
import static dev.mizani.projections.TestTableSets.fresh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.participant.*;
import dev.mizani.schemas.transfer.*;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka delivers at least once, and a rebuild's replay overlaps what it then reads from Kafka: the read store
 * must count every event once however often and in whatever batches it arrives. Checked on the real
 * PostgreSQL by applying one history once into one table set, and with every event delivered again into
 * another, then comparing the sets row for row.
 */
class ReadModelRedeliveryTest {
    private static final SharedInfrastructure infra = SharedInfrastructure.get();
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00.123456Z");
    private static final List<ReadModel.Event> HISTORY = new ArrayList<>();

    @BeforeAll
    static void history() {
        Map<String, Long> versions = new HashMap<>();
        String[] dfsps = {"alpha", "bravo", "charlie"};
        for (String d : dfsps) {
            participant(versions, d, new ParticipantCreated(d));
            participant(versions, d, new CurrencyAdded(d, "USD"));
            participant(versions, d, new NetDebitCapSet(d, "USD", 1_000_000L));
            participant(versions, d, new FundsRecordedIn(d, "USD", 500_000L, "fi-" + d, 500_000L));
        }
        participant(versions, "alpha", new FundsOutReserved("alpha", "USD", 1_000L, "fo-1"));
        participant(versions, "alpha", new FundsRecordedOut("alpha", "USD", 1_000L, "fo-1", 499_000L));
        participant(versions, "bravo", new FundsOutReserved("bravo", "USD", 2_000L, "fo-2"));
        Random random = new Random(3);
        long[] position = new long[3];
        for (int i = 0; i < 60; i++) {
            int payer = random.nextInt(3);
            int payee = (payer + 1 + random.nextInt(2)) % 3;
            String id = "t-" + i;
            long amount = 100 + random.nextInt(900);
            String a = dfsps[payer];
            String b = dfsps[payee];
            transfer(versions, id, i % 8, new TransferPrepareAccepted(id, a, b, amount, "USD", "ilp", "cond",
                    T0.plusSeconds(60), "h", null));
            participant(versions, a, new PayerFundsReserved(a, b, id, amount, "USD", position[payer], amount));
            transfer(versions, id, i % 8, new TransferReserved(id, a, b, amount, "USD", "ilp", "cond", T0.plusSeconds(60), null));
            if (i % 5 == 4) {
                transfer(versions, id, i % 8, new TransferAborted(id, a, b, amount, "USD", 5104, "no", true, "r", null, false));
                participant(versions, a, new PayerFundsReleased(a, id, amount, "USD", 0L));
            } else {
                transfer(versions, id, i % 8, new TransferCommitted(id, a, b, amount, "USD", "ful", T0, "f", false, null));
                position[payer] += amount;
                position[payee] -= amount;
                participant(versions, a, new PayerFundsCommitted(a, id, amount, "USD", position[payer], 0L));
                participant(versions, b, new PayeeFundsCommitted(b, id, amount, "USD", position[payee]));
            }
            transfer(versions, id, i % 8, new TransferDuplicateReported(id, a, "COMMITTED", null, null));
        }
    }

    @Test
    void everyEventCountsOnceHoweverOftenItIsDelivered() throws Exception {
        ReadModel once = fresh(infra, "redelivery_once");
        ReadModel again = fresh(infra, "redelivery_again");
        try (Connection c = infra.dataSource.getConnection()) {
            c.setAutoCommit(false);
            once.apply(c, HISTORY, null);
            c.commit();

            // in batches of random sizes, each batch delivered again, and every batch re-sent after the next one
            Random random = new Random(11);
            List<ReadModel.Event> previous = List.of();
            int applied = 0;
            for (int from = 0; from < HISTORY.size(); ) {
                int to = Math.min(HISTORY.size(), from + 1 + random.nextInt(40));
                List<ReadModel.Event> batch = new ArrayList<>(HISTORY.subList(from, to));
                List<ReadModel.Event> redelivered = new ArrayList<>(previous);
                redelivered.addAll(batch);
                applied += again.apply(c, batch, null);
                applied += again.apply(c, redelivered, null);
                c.commit();
                previous = batch;
                from = to;
            }
            assertThat(applied).as("events that changed the store").isLessThanOrEqualTo(HISTORY.size());
            assertThat(ReadStoreComparison.differences(c, "redelivery_once", "redelivery_again")).isEmpty();

            // one event per poll: a change must be written even when nothing else in its poll touched the row
            ReadModel single = fresh(infra, "redelivery_single");
            for (ReadModel.Event e : HISTORY) {
                single.apply(c, List.of(e), null);
            }
            c.commit();
            assertThat(ReadStoreComparison.differences(c, "redelivery_once", "redelivery_single")).isEmpty();
            assertThat(netOf(c, "redelivery_again")).as("window nets sum to zero").isZero();
            assertThat(count(c, "redelivery_again.transfers where state = 'COMMITTED'")).isEqualTo(48);
            assertThat(count(c, "redelivery_again.funds_out_pending")).isEqualTo(1);
        }
    }

    /**
     * The same history with each participant's transfer facts packed, a few transfers' worth per event (as a command
     * batch packs them): the same transfers, positions and position changes, and delivered again it changes nothing.
     */
    @Test
    void packedTransferFactsProjectAsTheFactsDoOneByOne() throws Exception {
        List<ReadModel.Event> packed = packed(HISTORY, 25);
        assertThat(packed.size()).isLessThan(HISTORY.size() - 100);
        ReadModel single = fresh(infra, "packed_single");
        ReadModel many = fresh(infra, "packed_many");
        try (Connection c = infra.dataSource.getConnection()) {
            c.setAutoCommit(false);
            single.apply(c, HISTORY, null);
            many.apply(c, packed.subList(0, packed.size() / 2), null);
            c.commit();
            many.apply(c, packed, null);
            c.commit();
            assertThat(many.apply(c, packed, null)).as("a packed history delivered again").isZero();
            c.commit();
            for (String rows : List.of(
                    "select * from %s.transfers",
                    "select participant, currency, position_minor, reserved_minor, net_debit_cap_minor, "
                            + "liquidity_cover_minor, funds_out_pending_minor from %s.positions",
                    "select participant, currency, cause, transfer_id, position_minor, reserved_minor, "
                            + "liquidity_cover_minor from %s.position_changes",
                    "select * from %s.window_positions")) {
                assertThat(count(c, "((" + rows.formatted("packed_single") + ") except all ("
                        + rows.formatted("packed_many") + ")) d")).as(rows).isZero();
                assertThat(count(c, "((" + rows.formatted("packed_many") + ") except all ("
                        + rows.formatted("packed_single") + ")) d")).as(rows).isZero();
            }
            assertThat(count(c, "packed_many.position_changes")).isEqualTo(count(c, "packed_single.position_changes"))
                    .isGreaterThan(150);
        }
    }

    /**
     * The history with each participant's consecutive transfer facts within every {@code span} events packed into
     * one event at the place of the first; each stream's versions numbered again.
     */
    private static List<ReadModel.Event> packed(List<ReadModel.Event> history, int span) {
        List<ReadModel.Event> out = new ArrayList<>();
        Map<String, Long> versions = new HashMap<>();
        for (int from = 0; from < history.size(); from += span) {
            Map<String, Integer> openAt = new HashMap<>(); // participant -> index in out of its open packed event
            for (ReadModel.Event e : history.subList(from, Math.min(history.size(), from + span))) {
                String stream = e.metadata().getStreamId();
                boolean fact = e.payload() instanceof PayerFundsReserved || e.payload() instanceof PayerFundsCommitted
                        || e.payload() instanceof PayeeFundsCommitted || e.payload() instanceof PayerFundsReleased;
                if (!fact) {
                    openAt.remove(stream);
                    out.add(new ReadModel.Event(e.partition(), restamped(e.metadata(), versions.merge(stream, 1L, Long::sum)),
                            e.payload()));
                } else if (openAt.containsKey(stream)) {
                    ((TransferFacts) out.get(openAt.get(stream)).payload()).getFacts().add(e.payload());
                } else {
                    openAt.put(stream, out.size());
                    List<Object> facts = new ArrayList<>(List.of(e.payload()));
                    out.add(new ReadModel.Event(-1, restamped(e.metadata(), versions.merge(stream, 1L, Long::sum)),
                            new TransferFacts(stream.substring("participant-".length()), facts)));
                }
            }
        }
        return out;
    }

    private static EventMetadata restamped(EventMetadata m, long version) {
        return new EventMetadata(m.getEventId(), m.getStreamId(), version, m.getCorrelationId(), m.getCausationId(),
                m.getRecordedAt());
    }

    @Test
    void aReplayPutsCommitsIntoTheWindowsTheirCloseBoundariesName() throws Exception {
        ReadModel replay = fresh(infra, "redelivery_windows");
        List<ReadModel.Event> commits = HISTORY.stream().filter(e -> e.payload() instanceof TransferCommitted).toList();
        // window 1 ends after the 10th commit on partition 0 and before any commit of partitions 1..7; window 2
        // ends after the last commit of every partition
        UUID[] first = new UUID[8];
        first[0] = id(commits.stream().filter(e -> e.partition() == 0).toList().get(1));
        UUID[] second = new UUID[8];
        for (ReadModel.Event e : commits) {
            second[e.partition()] = id(e);
        }
        WindowBoundaries boundaries = new WindowBoundaries(List.of(
                new WindowBoundaries.Close(1, "one", T0, first), new WindowBoundaries.Close(2, "two", T0, second)));
        assertThat(boundaries.initialWindow(0)).isEqualTo(1);
        assertThat(boundaries.initialWindow(3)).isEqualTo(2);
        assertThat(boundaries.openWindow()).isEqualTo(3);
        try (Connection c = infra.dataSource.getConnection()) {
            c.setAutoCommit(false);
            replay.apply(c, HISTORY, boundaries);
            c.commit();
            assertThat(count(c, "redelivery_windows.transfers where settlement_window_id = 1")).isEqualTo(2);
            assertThat(count(c, "redelivery_windows.transfers where settlement_window_id = 2")).isEqualTo(46);
            assertThat(count(c, "redelivery_windows.partition_windows where window_id <> 3")).isZero();
            assertThat(netOf(c, "redelivery_windows")).isZero();
        }
    }

    /**
     * Timestamps go to the server as microseconds since the epoch: every one written comes back as the instant the
     * events carried (their schemas keep milliseconds), an unset one as null, one before 1970 too.
     */
    @Test
    void timestampsAreStoredToTheMicrosecond() throws Exception {
        ReadModel model = fresh(infra, "redelivery_times");
        Instant prepared = Instant.parse("1969-12-31T23:59:59.001Z");
        Instant expiration = Instant.parse("2026-11-21T10:01:02.654Z");
        Instant reserved = Instant.parse("2026-11-21T10:00:00.001Z");
        Instant committed = Instant.parse("2026-11-21T10:00:05.999Z");
        Instant other = Instant.parse("2026-11-21T10:00:00.123Z");
        List<ReadModel.Event> events = List.of(
                event(0, "transfer-tm", 1, prepared, new TransferPrepareAccepted("tm", "alpha", "bravo", 10L, "USD", "ilp",
                        "cond", expiration, "h", null)),
                event(0, "transfer-tm", 2, reserved, new TransferReserved("tm", "alpha", "bravo", 10L, "USD", "ilp", "cond",
                        expiration, null)),
                event(0, "transfer-tn", 1, other, new TransferPrepareAccepted("tn", "alpha", "bravo", 10L, "USD", "ilp",
                        "cond", expiration, "h", null)));
        try (Connection c = infra.dataSource.getConnection()) {
            c.setAutoCommit(false);
            model.apply(c, events, null);
            model.apply(c, List.of(event(0, "transfer-tm", 3, committed, new TransferCommitted("tm", "alpha", "bravo",
                    10L, "USD", "ful", T0, "f", false, null))), null);
            c.commit();
            try (PreparedStatement ps = c.prepareStatement("select transfer_id, expiration, prepared_at, reserved_at, "
                    + "committed_at, aborted_at, updated_at from redelivery_times.transfers order by transfer_id");
                 ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("tm");
                assertThat(rs.getTimestamp(2).toInstant()).isEqualTo(expiration);
                assertThat(rs.getTimestamp(3).toInstant()).isEqualTo(prepared);
                assertThat(rs.getTimestamp(4).toInstant()).isEqualTo(reserved);
                assertThat(rs.getTimestamp(5).toInstant()).isEqualTo(committed);
                assertThat(rs.getTimestamp(6)).isNull();
                assertThat(rs.getTimestamp(7).toInstant()).isEqualTo(committed);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("tn");
                assertThat(rs.getTimestamp(3).toInstant()).isEqualTo(other);
                assertThat(rs.getTimestamp(4)).isNull();
                assertThat(rs.getTimestamp(5)).isNull();
            }
        }
    }

    private static ReadModel.Event event(int partition, String stream, long version, Instant at, Object payload) {
        return new ReadModel.Event(partition, new EventMetadata(UUID.randomUUID().toString(), stream, version, "corr", null,
                at), payload);
    }

    private static UUID id(ReadModel.Event e) {
        return UUID.fromString(e.metadata().getEventId());
    }

    private static long netOf(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select coalesce(sum(net_minor), 0) from " + schema + ".window_positions");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void transfer(Map<String, Long> versions, String id, int partition, Object payload) {
        HISTORY.add(new ReadModel.Event(partition, metadata(versions, "transfer-" + id), payload));
    }

    private static void participant(Map<String, Long> versions, String name, Object payload) {
        HISTORY.add(new ReadModel.Event(-1, metadata(versions, "participant-" + name), payload));
    }

    private static EventMetadata metadata(Map<String, Long> versions, String stream) {
        long v = versions.merge(stream, 1L, Long::sum);
        return new EventMetadata(UUID.randomUUID().toString(), stream, v, "corr", null,
                T0.plusMillis(HISTORY.size()));
    }
}
