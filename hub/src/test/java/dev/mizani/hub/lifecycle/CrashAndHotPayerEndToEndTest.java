package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.MetricsText;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.HubTopics;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.participants.handler.ParticipantCodec;
import dev.mizani.schemas.participant.PayerFundsReservationRejected;
import dev.mizani.schemas.participant.PayerFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsReserved;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.transfers.domain.TransferCommand;
import dev.mizani.transfers.domain.TransferEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The transfers handler killed mid-run, twice (after a commit before its publication, and inside a
 * transaction), and restarted by its supervisor: no transfer lost, none doubled. Then a hot payer whose
 * thousands of prepares land in a few batches: its reservations never pass its net debit cap.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashAndHotPayerEndToEndTest {
    /** Names this class's participants; new for each hub, since a subclass runs the same cases on the same database. */
    private static String RUN;
    private static final AtomicInteger BATCHES = new AtomicInteger();
    /** The crash points fire only inside the crash test, whatever order the tests run in. */
    private static final java.util.concurrent.atomic.AtomicBoolean ARMED = new java.util.concurrent.atomic.AtomicBoolean();
    static HubFixture f;

    /** The hub's environment variables; a subclass runs the same cases with others. */
    Map<String, String> env() {
        return Map.of();
    }

    @BeforeAll
    void startHub() throws Exception {
        BATCHES.set(0);
        RUN = UUID.randomUUID().toString().substring(0, 6);
        f = new HubFixture(point -> {
            if (!ARMED.get()) {
                return;
            }
            if (point == ProcessorHooks.Point.AFTER_COMMIT && BATCHES.incrementAndGet() == 2) {
                throw new dev.mizani.platform.testing.SimulatedCrash("transfers handler after commit, before publish");
            }
            if (point == ProcessorHooks.Point.INSIDE_TRANSACTION && BATCHES.get() == 3) {
                BATCHES.incrementAndGet();
                throw new dev.mizani.platform.testing.SimulatedCrash("transfers handler inside its transaction");
            }
        }, env());
    }

    @AfterAll
    void stopHub() throws Exception {
        f.close();
    }

    @Test
    void aHandlerKilledMidRunLosesAndDoublesNothing() throws Exception {
        String payer = "crash-payer-" + RUN;
        String payee = "crash-payee-" + RUN;
        onboardPair(payer, payee);
        int restartsBefore = f.hub.transfersRestarts();
        double restartsCountedBefore = scraped("mizani_processor_restarts_total{processor=\"transfers\"}");
        double republishedBefore = scraped("mizani_processor_republished_events_total{processor=\"transfers\"}");
        ARMED.set(true);
        List<HubFixture.Prepared> transfers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            transfers.add(f.prepare(payer, payee, "1", Duration.ofMinutes(5), i % 20 == 19));
        }
        f.flush();
        fulfilEachWhenReserved(transfers, payee);
        for (HubFixture.Prepared p : transfers) {
            f.awaitEvent(p.id(), TransferCommitted.class);
        }
        Await.until(HubFixture.BOUND, "positions moved for all 300",
                () -> positionEvents(payer, ParticipantEvent.PayerFundsCommitted.class) == 300
                        && positionEvents(payee, ParticipantEvent.PayeeFundsCommitted.class) == 300);

        ARMED.set(false);
        assertThat(BATCHES.get()).as("both crash points were reached").isGreaterThanOrEqualTo(4);
        // With instances to spare, the others can finish the work before the supervisor's next look (every 250 ms).
        Await.until(HubFixture.BOUND, "the supervisor replaced the killed handler twice",
                () -> f.hub.transfersRestarts() - restartsBefore >= 2);
        assertThat(f.hub.transfersRestarts() - restartsBefore).as("replacements").isEqualTo(2);
        assertThat(scraped("mizani_processor_restarts_total{processor=\"transfers\"}") - restartsCountedBefore)
                .as("restarts in the hub's metrics").isEqualTo(2);
        assertThat(scraped("mizani_processor_republished_events_total{processor=\"transfers\"}") - republishedBefore)
                .as("events committed before the crash and published by the replacement").isPositive();
        for (HubFixture.Prepared p : transfers) {
            List<TransferEvent> stream = transferStream(p.id());
            assertThat(stream).as("stream of %s", p.id()).hasSize(3);
            assertThat(stream.get(2)).isInstanceOf(TransferEvent.TransferCommitted.class);
        }
        ParticipantEvent last = lastPositionEvent(payer);
        assertThat(((ParticipantEvent.PayerFundsCommitted) last).positionMinor()).isEqualTo(300 * 100);
        assertThat(((ParticipantEvent.PayerFundsCommitted) last).reservedMinor()).isZero();
    }

    /** Where a command handler resumes on a partition: every record below it was applied. */
    private long storedOffset(String processor, String topic, int partition) {
        try (var c = f.infra.dataSource.getConnection(); var ps = c.prepareStatement(
                "select next_offset from processor_offsets where processor = ? and topic = ? and partition = ?")) {
            ps.setString(1, processor);
            ps.setString(2, topic);
            ps.setInt(3, partition);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double scraped(String series) {
        return MetricsText.value(f.hub.metrics.scrape(), series);
    }

    /**
     * The policies translate at least once: after a crash a policy translates again whatever followed its last
     * committed offset. Here every event of 20 committed transfers reaches both policies a second time (the same
     * records, produced again). Each derived command is recognised as already applied (the handlers count it as
     * repeated, which is how the test knows the replay went all the way round), and an event it caused alone is
     * published again; no position moves twice and no stream grows.
     */
    @Test
    void eventsThePoliciesTranslateTwiceMoveNoMoneyTwice() throws Exception {
        String payer = "replay-payer-" + RUN;
        String payee = "replay-payee-" + RUN;
        onboardPair(payer, payee);
        List<HubFixture.Prepared> transfers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            transfers.add(f.prepare(payer, payee, "1", Duration.ofMinutes(5), false));
        }
        f.flush();
        fulfilEachWhenReserved(transfers, payee);
        Await.until(HubFixture.BOUND, "all 20 committed on both sides",
                () -> positionEvents(payer, ParticipantEvent.PayerFundsCommitted.class) == 20
                        && positionEvents(payee, ParticipantEvent.PayeeFundsCommitted.class) == 20);
        int payerEvents = f.infra.eventStore.readStream("participant-" + payer).size();
        int payeeEvents = f.infra.eventStore.readStream("participant-" + payee).size();

        Set<String> keys = new HashSet<>(List.of(payer, payee));
        transfers.forEach(p -> keys.add(p.id()));
        double repeatedBefore = scraped("mizani_processor_repeated_commands_total{processor=\"participants\"}");
        Map<String, Integer> again = new HashMap<>();
        for (String topic : List.of(HubTopics.TRANSFERS_EVENTS, HubTopics.PARTICIPANTS_EVENTS)) {
            for (var r : TopicReader.readAll(f.infra.bootstrap(), topic, 60, HubFixture.BOUND,
                    Duration.ofSeconds(1))) {
                if (keys.contains(r.key())) {
                    f.produceAgain(r);
                    again.merge(topic, 1, Integer::sum);
                }
            }
        }
        f.flush();
        assertThat(again.get(HubTopics.TRANSFERS_EVENTS)).as("3 events per transfer").isGreaterThanOrEqualTo(20 * 3);
        // the participants' reservations and commits, one event each or packed by the batch that decided them
        assertThat(again.get(HubTopics.PARTICIPANTS_EVENTS)).as("the participants' events").isPositive();
        // each of the 20 reservations and 40 commits reached the participants handler again, found applied
        Await.until(HubFixture.BOUND, "the replayed reservations and commits went round the participants handler",
                () -> scraped("mizani_processor_repeated_commands_total{processor=\"participants\"}") - repeatedBefore >= 60);
        // each replayed reservation became an acknowledgement again, which the transfers handler took and answered
        // with nothing: a transfer's decider recognises the repeat from its state (it is committed)
        Set<String> acks = new HashSet<>();
        transfers.forEach(p -> acks.add("ack:" + p.id()));
        Map<Integer, Long> consumedPast = new HashMap<>();
        Await.until(HubFixture.BOUND, "each acknowledgement derived twice", () -> {
            consumedPast.clear();
            int derived = 0;
            for (var r : TopicReader.readAll(f.infra.bootstrap(), HubTopics.TRANSFERS_COMMANDS, 1, HubFixture.BOUND,
                    Duration.ofMillis(200))) {
                if (acks.contains(f.hub.transferCodec.decodeCommand(r.key(), r.value(), Instant.EPOCH).commandId())) {
                    derived++;
                    consumedPast.merge(r.partition(), r.offset() + 1, Math::max);
                }
            }
            return derived >= 2 * transfers.size();
        });
        Await.until(HubFixture.BOUND, "the replayed reservations went round the transfers handler",
                () -> consumedPast.entrySet().stream().allMatch(e -> storedOffset("transfers", HubTopics.TRANSFERS_COMMANDS,
                        e.getKey()) >= e.getValue()));

        assertThat(f.infra.eventStore.readStream("participant-" + payer)).hasSize(payerEvents);
        assertThat(f.infra.eventStore.readStream("participant-" + payee)).hasSize(payeeEvents);
        for (HubFixture.Prepared p : transfers) {
            assertThat(transferStream(p.id())).as("stream of %s", p.id()).hasSize(3);
        }
        ParticipantEvent last = lastPositionEvent(payer);
        assertThat(((ParticipantEvent.PayerFundsCommitted) last).positionMinor()).isEqualTo(20 * 100);
        assertThat(((ParticipantEvent.PayerFundsCommitted) last).reservedMinor()).isZero();
    }

    @Test
    void aHotPayersReservationsNeverPassItsCapEvenInOneBatch() {
        String hot = "hot-" + RUN;
        List<String> payees = new ArrayList<>();
        f.onboard(hot, 50 * 1_000, 100_000_000);
        for (int i = 0; i < 5; i++) {
            payees.add("hot-payee-" + i + "-" + RUN);
            f.onboard(payees.getLast(), 1_000_000, 1_000_000);
        }
        f.awaitDirectoryKnows(hot, payees.toArray(String[]::new));
        for (int i = 0; i < 2_000; i++) {
            f.prepare(hot, payees.get(i % payees.size()), "10", Duration.ofSeconds(120), false);
        }
        f.flush();
        Await.until(HubFixture.BOUND, "all 2,000 reservations decided", () -> f.events.of(hot).stream()
                .filter(e -> e instanceof PayerFundsReserved || e instanceof PayerFundsReservationRejected).count() >= 2_000);

        List<PayerFundsReserved> reserved = f.events.of(hot).stream().filter(PayerFundsReserved.class::isInstance)
                .map(PayerFundsReserved.class::cast).toList();
        assertThat(reserved).as("exactly the cap's worth").hasSize(50);
        assertThat(reserved).allMatch(r -> r.getPositionMinor() + r.getReservedMinor() <= 50 * 1_000);
        assertThat(f.events.of(hot).stream().filter(e -> e instanceof PayerFundsReservationRejected r && r.getErrorCode() == 4200))
                .hasSize(1_950);
    }

    private static void onboardPair(String payer, String payee) {
        f.onboard(payer, 100_000_000, 100_000_000);
        f.onboard(payee, 100_000_000, 100_000_000);
        f.awaitDirectoryKnows(payer, payee);
    }

    /** The payee's answer to each prepare, sent as soon as the transfer is reserved. */
    private static void fulfilEachWhenReserved(List<HubFixture.Prepared> transfers, String payee) {
        for (HubFixture.Prepared p : transfers) {
            f.awaitEvent(p.id(), TransferReserved.class);
            f.transferCommand(new TransferCommand.FulfilTransfer(p.id(), payee, p.fulfilment(), "f-" + p.id(), Instant.EPOCH, false), false);
        }
        f.flush();
    }

    private static List<TransferEvent> transferStream(String transferId) throws Exception {
        List<TransferEvent> out = new ArrayList<>();
        for (StoredEvent e : f.infra.eventStore.readStream("transfer-" + transferId)) {
            out.add(f.hub.transferCodec.decodeEvent(e.payload()));
        }
        return out;
    }

    private static long positionEvents(String participant, Class<?> type) {
        try {
            ParticipantCodec codec = f.hub.participantCodec;
            return f.infra.eventStore.readStream("participant-" + participant).stream()
                    .flatMap(e -> ParticipantEvent.factsOf(codec.decodeEvent(e.payload())).stream())
                    .filter(type::isInstance).count();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The participant's last fact: its last event, or the last fact that event packs. */
    private static ParticipantEvent lastPositionEvent(String participant) throws Exception {
        List<StoredEvent> stream = f.infra.eventStore.readStream("participant-" + participant);
        return ParticipantEvent.factsOf(f.hub.participantCodec.decodeEvent(stream.getLast().payload())).getLast();
    }
}
