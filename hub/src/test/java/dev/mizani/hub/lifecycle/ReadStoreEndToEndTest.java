package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantDecider;
import dev.mizani.platform.commandloop.AggregateCodec;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.eventstore.LoadedStream;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.SimulatedCrash;
import dev.mizani.projections.LedgerAudit;
import dev.mizani.projections.ProjectionHandler;
import dev.mizani.projections.ReadModel;
import dev.mizani.projections.ReadStore;
import dev.mizani.projections.Rebuild;
import dev.mizani.projections.SettlementWindows;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.ParticipantFacts;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.participant.PayeeFundsCommitted;
import dev.mizani.schemas.settlement.SettlementEventEnvelope;
import dev.mizani.schemas.settlement.SettlementWindowClosed;
import dev.mizani.schemas.wire.EventWireCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.transfer.TransferPrepareRejected;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.transfers.domain.Transfer;
import dev.mizani.transfers.domain.TransferCommand;
import dev.mizani.transfers.domain.TransferDecider;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The read side against the system of record, on the real embedded stack: thousands of random transfers
 * (committed, rejected by the payee, refused by the payer's cap, expired) while settlement windows close,
 * with the projection handler killed inside a transaction and restarted. Then the read store is checked
 * against the command side's own state folded from the event store (different code from the projection),
 * rebuilt from the event store and compared row for row, and a rebuild is swapped in under traffic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadStoreEndToEndTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final int TRANSFERS = 3_000;
    private static final int CRASH_AT_BATCH = 4;
    private static final Duration AUDIT_HALF_COMMITTED_AFTER = Duration.ofSeconds(3);
    private static HubFixture f;
    private static ProjectionHandler handler;
    private static final AtomicBoolean crashArmed = new AtomicBoolean(true);

    private enum Fate { FULFIL, REJECT, EXPIRE }

    @BeforeAll
    static void start() throws Exception {
        f = new HubFixture(ProcessorHooks.NONE);
        handler = new ProjectionHandler(f.infra.dataSource, f.infra.bootstrap(), f.infra.registry,
                ProjectionHandler.Settings.defaults(), (batch, events) -> {
                    if (batch == CRASH_AT_BATCH && crashArmed.getAndSet(false)) {
                        throw new SimulatedCrash("projection handler inside its transaction, batch " + batch);
                    }
                }).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (handler != null) {
            handler.close();
        }
        f.close();
    }

    @Test
    @Order(1)
    void theReadStoreAgreesWithTheEventStoreAfterACrashMidBatch() throws Exception {
        List<String> dfsps = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String name = "rs" + i + "-" + RUN;
            // the first payer's cap is tight, so some of its prepares are refused by the participants handler
            f.onboard(name, i == 0 ? 20_000 : 100_000_000, 100_000_000);
            dfsps.add(name);
        }
        for (String payer : dfsps) {
            f.awaitDirectoryKnows(payer, dfsps.toArray(String[]::new));
        }
        Random random = new Random(7);
        Map<String, HubFixture.Prepared> prepared = new HashMap<>();
        Map<String, Fate> fates = new HashMap<>();
        SettlementWindows windows = new SettlementWindows(f.infra.dataSource);
        long firstWindow = windows.windows(java.util.Optional.of("OPEN")).getFirst().windowId();
        for (int i = 0; i < TRANSFERS; i++) {
            String payer = dfsps.get(random.nextInt(dfsps.size()));
            String payee = dfsps.get(random.nextInt(dfsps.size()));
            if (payee.equals(payer)) {
                payee = dfsps.get((dfsps.indexOf(payer) + 1) % dfsps.size());
            }
            Fate fate = Fate.values()[random.nextInt(10) < 8 ? 0 : random.nextInt(10) < 5 ? 1 : 2];
            String amount = (1 + random.nextInt(150)) + "." + String.format("%02d", random.nextInt(100));
            var p = f.prepare(payer, payee, amount, fate == Fate.EXPIRE ? Duration.ofSeconds(2) : Duration.ofMinutes(2),
                    i % 50 == 49);
            prepared.put(p.id(), p);
            fates.put(p.id(), fate);
        }
        f.flush();
        // The hook kills the handler inside the transaction of its 4th poll; restart it as a supervisor would. The
        // restarted handler's commit of its second poll that moved money (the audit knows the positions by then) goes
        // through with its answer lost, as when the server dies right after it.
        Await.until(HubFixture.BOUND, "the projection handler killed inside a transaction",
                () -> !crashArmed.get() && !handler.isRunning());
        assertThat(handler.failure()).isInstanceOf(SimulatedCrash.class);
        AtomicInteger pollsMovingMoney = new AtomicInteger();
        AtomicBoolean loseAnswer = new AtomicBoolean();
        handler = new ProjectionHandler(DatabaseFaults.losingACommitsAnswer(f.infra.dataSource, loseAnswer), f.infra.bootstrap(),
                f.infra.registry, ProjectionHandler.Settings.defaults().withHalfCommittedAfter(AUDIT_HALF_COMMITTED_AFTER),
                (batch, events) -> {
                    if (events.stream().anyMatch(e -> ParticipantFacts.of(e.payload()).stream()
                            .anyMatch(PayeeFundsCommitted.class::isInstance))
                            && pollsMovingMoney.incrementAndGet() == 2) {
                        loseAnswer.set(true);
                    }
                }).start();

        int committed = 0, rejected = 0, refused = 0, expired = 0;
        int sent = 0;
        for (HubFixture.Prepared p : prepared.values()) {
            Await.until(HubFixture.BOUND, "prepare outcome of " + p.id(), () -> seen(p.id(), TransferReserved.class)
                    || seen(p.id(), TransferAborted.class) || seen(p.id(), TransferPrepareRejected.class)
                    || seen(p.id(), TransferExpired.class));
            if (!seen(p.id(), TransferReserved.class)) {
                if (!seen(p.id(), TransferExpired.class)) {
                    refused++;
                }
                continue;
            }
            if (sent == TRANSFERS / 4 || sent == TRANSFERS / 2) {
                // asked while commits flow; the handler carries it out between two polls
                long window = firstWindow + (sent == TRANSFERS / 4 ? 0 : 1);
                f.flush();
                // a close that overtook every commit so far would leave its window empty and the split untested
                awaitACommitIn(window);
                windows.requestClose(window, "test close at " + sent, Duration.ZERO);
                awaitWindowClosedOrHandlerDown(windows, window);
            }
            sent++;
            String payee = p.command().payeeFsp();
            switch (fates.get(p.id())) {
                case FULFIL -> f.transferCommand(new TransferCommand.FulfilTransfer(p.id(), payee, p.fulfilment(),
                        "f-" + p.id(), Instant.EPOCH, false), false);
                case REJECT -> f.transferCommand(new TransferCommand.RejectTransfer(p.id(), payee, 5104,
                        "payee says no", "r-" + p.id(), Instant.EPOCH), false);
                case EXPIRE -> { }
            }
        }
        f.flush();
        for (HubFixture.Prepared p : prepared.values()) {
            Await.until(HubFixture.BOUND, "end of " + p.id(), () -> seen(p.id(), TransferCommitted.class)
                    || seen(p.id(), TransferAborted.class) || seen(p.id(), TransferExpired.class)
                    || seen(p.id(), TransferPrepareRejected.class));
            if (seen(p.id(), TransferCommitted.class)) {
                committed++;
            } else if (seen(p.id(), TransferExpired.class)) {
                expired++;
            } else if (fates.get(p.id()) == Fate.REJECT) {
                rejected++;
            }
        }
        assertThat(committed).as("committed").isGreaterThan(TRANSFERS / 2);
        assertThat(rejected).as("rejected by the payee").isGreaterThan(50);
        assertThat(expired).as("expired").isGreaterThan(50);
        assertThat(refused).as("refused by the payer's cap").isGreaterThan(0);

        assertAgreesWithTheCommandSide();
        assertWindowsNetToZero(firstWindow);
        assertThat(pollsMovingMoney.get() >= 2 && !loseAnswer.get()).as("a commit's answer was lost").isTrue();

        // The restarted handler's audit started empty between a commit and its sides (they come on different topics)
        // and missed the answer of a commit that went through; it must still account for every side.
        Await.until(HubFixture.BOUND, "the ledger audit settles every commit, or reports a problem",
                () -> !handler.audit().check().up() || handler.audit().check().detail().startsWith("0 commits in flight"));
        Thread.sleep(AUDIT_HALF_COMMITTED_AFTER.toMillis() + 1_000); // past the bound, and a recount after it
        assertThat(handler.audit().check().up()).as(handler.audit().check().detail()).isTrue();
    }

    @Test
    @Order(2)
    void aRebuildEqualsTheLiveStoreRowForRowAndSwapsInUnderTraffic() throws Exception {
        awaitQuiet();
        // Settlement windows come back from the event store alone: the projection's own record of where they
        // closed is blanked while the rebuild runs, and every commit must still land in its window.
        Rebuild.Report check;
        sql("create table settlement_window_closes_saved as select * from settlement_window_closes");
        try {
            sql("update settlement_window_closes set boundary_commit_ids = '{}'");
            check = new Rebuild(f.infra.dataSource, handler).run(false);
        } finally {
            sql("update settlement_window_closes k set boundary_commit_ids = s.boundary_commit_ids "
                    + "from settlement_window_closes_saved s where s.window_id = k.window_id");
            sql("drop table settlement_window_closes_saved");
        }
        assertThat(check.eventsReplayed()).isGreaterThan(TRANSFERS);
        assertThat(check.differences()).as("rebuilt vs live, rows in one and not the other").isEmpty();
        assertThat(check.swapped()).isFalse();

        // Under traffic: transfers flow while the rebuild replays, and afterwards land in the swapped-in set.
        String payer = "rs0-" + RUN;
        String payee = "rs1-" + RUN;
        CompletableFuture<Rebuild.Report> swap = CompletableFuture.supplyAsync(() -> {
            try {
                return new Rebuild(f.infra.dataSource, handler).run(true);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<HubFixture.Prepared> during = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            during.add(f.prepare(payee, payer, "1", Duration.ofMinutes(2), i % 10 == 9));
        }
        Rebuild.Report swapped = swap.get(5, java.util.concurrent.TimeUnit.MINUTES);
        for (HubFixture.Prepared p : during) {
            f.awaitEvent(p.id(), TransferReserved.class);
            f.transferCommand(new TransferCommand.FulfilTransfer(p.id(), payer, p.fulfilment(), "f-" + p.id(),
                    Instant.EPOCH, false), false);
        }
        f.flush();
        for (HubFixture.Prepared p : during) {
            f.awaitEvent(p.id(), TransferCommitted.class);
        }
        awaitQuiet();
        if (!swapped.swapped()) {
            // Events stored but not yet consumed live when the sets were compared make them differ for a moment;
            // with traffic now stopped a second attempt must swap.
            swapped = new Rebuild(f.infra.dataSource, handler).run(true);
        }
        assertThat(swapped.swapped()).as("swapped in: " + swapped).isTrue();
        awaitQuiet();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from read.transfers where transfer_id = any(?) "
                     + "and state = 'COMMITTED'")) {
            ps.setArray(1, c.createArrayOf("text", during.stream().map(HubFixture.Prepared::id).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("transfers of the swap's time, committed in the new set").isEqualTo(100);
            }
        }
        assertAgreesWithTheCommandSide();
        Rebuild.Report again = new Rebuild(f.infra.dataSource, handler).run(false);
        for (int attempt = 1; attempt < 3 && !again.differences().isEmpty() && again.caughtUp() > 0; attempt++) {
            // An event stored after the quiet (a timer of an earlier test's transfer coming due: caught up by the
            // rebuild from Kafka, not yet applied live) differs for a moment; a real divergence stays.
            awaitQuiet();
            again = new Rebuild(f.infra.dataSource, handler).run(false);
        }
        assertThat(again.differences()).as(again.toString()).isEmpty();
    }

    @Test
    @Order(3)
    void everyClosedWindowIsOnTheSettlementTopicWithItsNetPositionsAndARepublishKeepsItsIdentity() throws Exception {
        awaitQuiet();
        Await.until(HubFixture.BOUND, "every close acknowledged on settlement.events", () -> unpublishedCloses() == 0);
        Map<Long, List<SettlementEventEnvelope>> onTopic = settlementEvents();
        List<Long> closed = new ArrayList<>();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select k.window_id, k.reason, k.boundary_commit_ids, e.payload "
                     + "from settlement_window_closes k left join events e on e.stream_id = 'settlement-windows' "
                     + "and e.version = k.window_id order by k.window_id");
             ResultSet rs = ps.executeQuery()) {
            var codec = new EventWireCodec<SettlementEventEnvelope>(f.infra.registry, HubTopics.SETTLEMENT_EVENTS,
                    SettlementEventEnvelope.getClassSchema());
            while (rs.next()) {
                long windowId = rs.getLong(1);
                closed.add(windowId);
                assertThat(onTopic.get(windowId)).as("window %d on settlement.events", windowId).isNotEmpty();
                SettlementEventEnvelope e = onTopic.get(windowId).getFirst();
                // the close is an event of the settlement-windows stream in the event store, published as stored,
                // with the boundary a rebuild places commits by (which reads it from there alone)
                assertThat(rs.getBytes(4)).as("window %d's close in the event store", windowId).isNotNull();
                assertThat(codec.decode(rs.getBytes(4))).as("window %d stored and published", windowId).isEqualTo(e);
                Object[] boundary = (Object[]) rs.getArray(3).getArray();
                assertThat(((SettlementWindowClosed) e.getPayload()).getBoundaryCommitIds())
                        .as("window %d's boundary in its event", windowId)
                        .isEqualTo(java.util.Arrays.stream(boundary).map(id -> id == null ? null : id.toString()).toList());
                SettlementWindowClosed event = (SettlementWindowClosed) e.getPayload();
                assertThat(event.getReason()).isEqualTo(rs.getString(2));
                assertThat(event.getNextWindowId()).isEqualTo(windowId + 1);
                assertThat(e.getMetadata().getStreamId()).isEqualTo("settlement-windows");
                assertThat(e.getMetadata().getVersion()).isEqualTo(windowId);
                assertThat(event.getNetPositions().stream().map(n -> n.getParticipant() + "/" + n.getCurrency() + "="
                        + n.getNetMinor() + "x" + n.getTransferCount()).toList())
                        .as("window %d's net positions on the topic and in the read store", windowId)
                        .isEqualTo(windowPositions(windowId));
            }
        }
        assertThat(closed).as("windows this class closed").hasSizeGreaterThanOrEqualTo(2);
        assertThat(onTopic.keySet()).as("nothing on the topic that was not closed").isSubsetOf(closed);

        // A stop between the broker's acknowledgement and its record (the row still unpublished): the next start
        // publishes it again, with the same event id, and a consumer de-duplicating on it sees one close.
        long last = closed.getLast();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update settlement_window_closes set published_at = null where window_id = ?")) {
            ps.setLong(1, last);
            ps.executeUpdate();
        }
        int before = onTopic.get(last).size();
        // And a close recorded before closes were events (in the projection's table only, as a hub upgraded from
        // then has it): the next start appends it to the settlement-windows stream, the same event it published.
        long first = closed.getFirst();
        sql("delete from events where stream_id = 'settlement-windows' and version = " + first);
        handler.close();
        handler = new ProjectionHandler(f.infra.dataSource, f.infra.bootstrap(), f.infra.registry,
                ProjectionHandler.Settings.defaults(), ProjectionHandler.Hooks.NONE).start();
        Await.until(HubFixture.BOUND, "window " + last + " published again", () -> unpublishedCloses() == 0);
        var codec = new EventWireCodec<SettlementEventEnvelope>(f.infra.registry, HubTopics.SETTLEMENT_EVENTS,
                SettlementEventEnvelope.getClassSchema());
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select payload from events where stream_id = 'settlement-windows' "
                     + "and version = ?")) {
            ps.setLong(1, first);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("window %d's close appended again at start", first).isTrue();
                assertThat(codec.decode(rs.getBytes(1))).isEqualTo(onTopic.get(first).getFirst());
            }
        }
        List<SettlementEventEnvelope> again = settlementEvents().get(last);
        assertThat(again).hasSize(before + 1);
        assertThat(again.stream().map(e -> e.getMetadata().getEventId()).distinct().count()).isEqualTo(1);
        assertThat(again.getLast().getPayload()).isEqualTo(again.getFirst().getPayload());
    }

    private static long unpublishedCloses() {
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from settlement_window_closes where published_at is null");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> windowPositions(long windowId) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select participant, currency, net_minor, transfer_count from "
                     + "read.window_positions where window_id = ? order by participant, currency")) {
            ps.setLong(1, windowId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + "/" + rs.getString(2) + "=" + rs.getLong(3) + "x" + rs.getLong(4));
                }
            }
        }
        return out;
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = f.infra.dataSource.getConnection(); var st = c.createStatement()) {
            st.execute(statement);
        }
    }

    /** Everything on settlement.events, per window id, in offset order. */
    private static Map<Long, List<SettlementEventEnvelope>> settlementEvents() {
        var codec = new EventWireCodec<SettlementEventEnvelope>(f.infra.registry, HubTopics.SETTLEMENT_EVENTS,
                SettlementEventEnvelope.getClassSchema());
        Map<Long, List<SettlementEventEnvelope>> out = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(KafkaClients.plainConsumer(f.infra.bootstrap(), null),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(HubTopics.SETTLEMENT_EVENTS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + HubFixture.BOUND.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    SettlementEventEnvelope e = codec.decode(r.value());
                    assertThat(r.key()).isEqualTo(Long.toString(((SettlementWindowClosed) e.getPayload()).getWindowId()));
                    out.computeIfAbsent(Long.parseLong(r.key()), k -> new ArrayList<>()).add(e);
                }
            }
        }
        return out;
    }

    // ---- checks against the command side ----

    /**
     * Transfers left RESERVED by earlier test classes can expire while the two sides are read one after the
     * other; a real divergence persists, so a mismatch is checked again after the store is quiet, twice.
     */
    /**
     * An audit that starts after a commit's sides were applied but before the commit (a restart between the two
     * topics) finds the sides in the read store's position history; a commit with no sides anywhere stays open and
     * is reported half committed once the bound passes.
     */
    @Test
    @Order(4)
    void anAuditStartedBetweenACommitsSidesAndTheCommitFindsTheSidesInTheReadStore() throws Exception {
        awaitQuiet();
        List<ReadModel.Event> commits = new ArrayList<>();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select transfer_id, payer_fsp, payee_fsp, amount_minor, currency, "
                     + "committed_at from " + ReadStore.LIVE + ".transfers where state = 'COMMITTED' and payer_fsp like ? "
                     + "order by committed_at desc limit 20")) {
            ps.setString(1, "rs%-" + RUN);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    commits.add(commit(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                            rs.getTimestamp(6).toInstant()));
                }
            }
        }
        assertThat(commits).hasSize(20);
        long bound = AUDIT_HALF_COMMITTED_AFTER.toNanos();
        long start = System.nanoTime();
        LedgerAudit audit = new LedgerAudit(bound);
        audit.apply(commits, start);
        try (Connection c = f.infra.dataSource.getConnection()) {
            audit.reconcile(c, ReadStore.LIVE, start + bound / 3 + 1);
        }
        assertThat(audit.check().detail()).isEqualTo("0 commits in flight, 20 sides unverifiable across a restart");

        LedgerAudit another = new LedgerAudit(bound);
        ReadModel.Event first = commits.getFirst();
        TransferCommitted known = (TransferCommitted) first.payload();
        another.apply(List.of(commit("never-" + RUN, known.getPayerFsp(), known.getPayeeFsp(), 100, "USD",
                first.metadata().getRecordedAt())), start);
        try (Connection c = f.infra.dataSource.getConnection()) {
            another.reconcile(c, ReadStore.LIVE, start + bound + 1);
        }
        assertThat(another.check().up()).isFalse();
        assertThat(another.check().detail()).contains("1 half-committed transfers (never-" + RUN + " (0 payer and 0 payee");
    }

    private static ReadModel.Event commit(String transferId, String payer, String payee, long amount, String currency,
                                          Instant at) {
        return new ReadModel.Event(0, new EventMetadata(UUID.randomUUID().toString(), "transfer-" + transferId, 4L,
                "test", "test", at), TransferCommitted.newBuilder().setTransferId(transferId).setPayerFsp(payer)
                .setPayeeFsp(payee).setAmountMinor(amount).setCurrency(currency).setCompletedAt(at).setFulfilment("f")
                .setRequestHash("h").build());
    }

    private static void assertAgreesWithTheCommandSide() throws SQLException {
        for (int attempt = 1; ; attempt++) {
            awaitQuiet();
            try {
                assertTransfersMatchTheCommandSide();
                assertPositionsMatchTheCommandSide();
                return;
            } catch (AssertionError e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static void assertTransfersMatchTheCommandSide() throws SQLException {
        Map<String, Transfer> expected = fold("transfer-", f.hub.transferCodec, new TransferDecider());
        Map<String, Object[]> rows = new HashMap<>();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select transfer_id, state, payer_fsp, payee_fsp, amount_minor, "
                     + "currency, error_code from read.transfers");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.put(rs.getString(1), new Object[] {rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getObject(5), rs.getString(6), rs.getObject(7)});
            }
        }
        int compared = 0;
        for (Map.Entry<String, Transfer> e : expected.entrySet()) {
            String id = e.getKey().substring("transfer-".length());
            Object[] row = rows.remove(id);
            switch (e.getValue()) {
                case Transfer.Absent a -> assertThat(row).as(id).isNull();
                case Transfer.PrepareFailed p -> {
                    assertThat(row).as(id).isNotNull();
                    assertThat(row[0]).as(id).isEqualTo("ABORTED");
                    assertThat(row[5]).as(id).isEqualTo(p.errorCode());
                }
                case Transfer.Received r -> assertRow(id, row, "RECEIVED", r.terms(), null);
                case Transfer.Reserved r -> assertRow(id, row, "RESERVED", r.terms(), null);
                case Transfer.Committed r -> assertRow(id, row, "COMMITTED", r.terms(), null);
                case Transfer.Aborted r -> assertRow(id, row, "ABORTED", r.terms(), r.errorCode());
                case Transfer.Expired r -> assertRow(id, row, "ABORTED", r.terms(), 3303);
            }
            compared++;
        }
        assertThat(rows).as("read rows without a transfer in the event store").isEmpty();
        assertThat(compared).isGreaterThanOrEqualTo(TRANSFERS);
    }

    private static void assertRow(String id, Object[] row, String state, Transfer.Terms terms, Integer errorCode) {
        assertThat(row).as(id).isNotNull();
        assertThat(row).as(id).containsExactly(state, terms.payerFsp(), terms.payeeFsp(), terms.amountMinor(),
                terms.currency(), errorCode);
    }

    private static void assertPositionsMatchTheCommandSide() throws SQLException {
        Map<String, Participant> expected = fold("participant-", f.hub.participantCodec, new ParticipantDecider());
        Map<String, long[]> rows = new HashMap<>();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select participant, currency, position_minor, reserved_minor, "
                     + "net_debit_cap_minor, liquidity_cover_minor, funds_out_pending_minor from read.positions");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.put(rs.getString(1) + "/" + rs.getString(2), new long[] {rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7)});
            }
        }
        int accounts = 0;
        for (Participant p : expected.values()) {
            if (p instanceof Participant.Registered r) {
                for (Map.Entry<String, Participant.Account> a : r.accounts().entrySet()) {
                    Participant.Account acc = a.getValue();
                    long[] row = rows.remove(r.name() + "/" + a.getKey());
                    assertThat(row).as(r.name() + " " + a.getKey()).containsExactly(acc.positionMinor(), acc.reservedMinor(),
                            acc.netDebitCapMinor(), acc.liquidityCoverMinor(),
                            acc.liquidityCoverMinor() - acc.usableCoverMinor());
                    accounts++;
                }
            }
        }
        assertThat(rows).as("read positions without an account in the event store").isEmpty();
        assertThat(accounts).isGreaterThanOrEqualTo(6);
    }

    private static void assertWindowsNetToZero(long firstWindow) throws SQLException {
        try (Connection c = f.infra.dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("select window_id, currency, sum(net_minor) from "
                    + "read.window_positions group by window_id, currency having sum(net_minor) <> 0");
                 ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("a window whose net positions do not sum to zero").isFalse();
            }
            // every committed transfer is in exactly one window, and the windows' nets are exactly its amounts
            try (PreparedStatement ps = c.prepareStatement("""
                    select count(*) from (
                      select settlement_window_id w, payer_fsp p, currency cur, amount_minor a from read.transfers where state = 'COMMITTED'
                      union all
                      select settlement_window_id, payee_fsp, currency, -amount_minor from read.transfers where state = 'COMMITTED'
                    ) t full join (select window_id, participant, currency, net_minor from read.window_positions) n
                      on n.window_id = t.w and n.participant = t.p and n.currency = t.cur
                    where t.w is null or n.window_id is null
                    """); ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("commits outside any window, or window rows without commits").isZero();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    select count(*) from (
                      select w, p, cur, sum(a) s from (
                        select settlement_window_id w, payer_fsp p, currency cur, amount_minor a from read.transfers where state = 'COMMITTED'
                        union all
                        select settlement_window_id, payee_fsp, currency, -amount_minor from read.transfers where state = 'COMMITTED') x
                      group by w, p, cur) t
                    join read.window_positions n on n.window_id = t.w and n.participant = t.p and n.currency = t.cur
                    where n.net_minor <> t.s
                    """); ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("window net positions that are not the sum of their commits").isZero();
            }
            try (PreparedStatement ps = c.prepareStatement("select count(distinct settlement_window_id) from read.transfers "
                    + "where state = 'COMMITTED' and settlement_window_id >= ?")) {
                ps.setLong(1, firstWindow);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("windows this run's commits fell into").isGreaterThanOrEqualTo(3);
                }
            }
        }
    }

    private static <C, E, S> Map<String, S> fold(String prefix, AggregateCodec<C, E, S> codec, Decider<C, E, S> decider)
            throws SQLException {
        List<String> streams = new ArrayList<>();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select distinct stream_id from events where stream_id like ?")) {
            ps.setString(1, prefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    streams.add(rs.getString(1));
                }
            }
        }
        Map<String, S> states = new HashMap<>();
        for (int from = 0; from < streams.size(); from += 2_000) {
            var loaded = f.infra.eventStore.load(streams.subList(from, Math.min(streams.size(), from + 2_000)));
            for (LoadedStream s : loaded.values()) {
                S state = s.snapshot() == null ? decider.initialState() : codec.decodeState(s.snapshot().state());
                for (StoredEvent e : s.tail()) {
                    state = decider.evolve(state, codec.decodeEvent(e.payload()));
                }
                states.put(s.streamId(), state);
            }
        }
        return states;
    }

    // ---- waiting ----

    private static void awaitACommitIn(long windowId) {
        Await.until(HubFixture.BOUND, "a commit projected into window " + windowId, () -> {
            try (Connection c = f.infra.dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("select exists (select 1 from read.transfers "
                         + "where state = 'COMMITTED' and settlement_window_id = ?)")) {
                ps.setLong(1, windowId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void awaitWindowClosedOrHandlerDown(SettlementWindows windows, long windowId) {
        Await.until(HubFixture.BOUND, "window " + windowId + " closed", () -> {
            try {
                return !handler.isRunning() || windows.window(windowId).orElseThrow().state().equals("CLOSED");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static boolean seen(String transferId, Class<?> type) {
        return f.events.of(transferId).stream().anyMatch(type::isInstance);
    }

    /** Nothing new in the event store for a while, and the projection through the end of both topics. */
    static void awaitQuiet() {
        long[] last = {-1};
        Instant[] stableAt = {Instant.now()};
        Await.until(HubFixture.BOUND, "event store quiet and the projection caught up", () -> {
            long head;
            try (Connection c = f.infra.dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("select coalesce(max(global_position), 0) from events");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                head = rs.getLong(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            if (head != last[0]) {
                last[0] = head;
                stableAt[0] = Instant.now();
                return false;
            }
            ProjectionHandler.Lag lag = handler.lag();
            return stableAt[0].plusMillis(1_500).isBefore(Instant.now()) && lag.measuredAt().isAfter(stableAt[0].plusMillis(500))
                    && lag.transfersEvents() == 0 && lag.participantsEvents() == 0;
        });
    }
}
