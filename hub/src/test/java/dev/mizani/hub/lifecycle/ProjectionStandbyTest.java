package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.RegistryLink;
import dev.mizani.projections.ProjectionHandler;
import dev.mizani.projections.ReadModel;
import dev.mizani.projections.ReadStore;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.ParticipantFacts;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.participant.PayeeFundsCommitted;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.transfers.domain.TransferCommand;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Projection instances on one read store, on the real broker and database. Two instances: one writes, the other
 * stands by. A writer paused for longer than its lease is replaced, and when it wakes it writes nothing (the lease's
 * epoch fences it); a writer that stops hands over at once. A broker that does not answer in time (as a busy embedded
 * broker did under load) neither stops a writer nor loses what it was applying, and an event it cannot decode until
 * the registry is back is read again, not dead-lettered. Every transfer reaches the read store throughout.
 */
class ProjectionStandbyTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static HubFixture f;
    private static final List<ProjectionHandler> handlers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        f = new HubFixture(ProcessorHooks.NONE);
    }

    @AfterEach
    void stopHandlers() {
        handlers.forEach(ProjectionHandler::close);
        handlers.clear();
    }

    @AfterAll
    static void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void aPausedWriterIsReplacedAndFencedAndAStoppedOneHandsOver() throws Exception {
        String payer = onboarded("sb-payer-" + RUN), payee = onboarded("sb-payee-" + RUN);
        f.awaitDirectoryKnows(payer, payee);

        AtomicLong pauseA = new AtomicLong();
        AtomicBoolean aFenced = new AtomicBoolean();
        AtomicInteger aPollsAfterTakeover = new AtomicInteger();
        ProjectionHandler a = start(DatabaseFaults.pausingOnce(f.infra.dataSource, pauseA), "a-" + RUN,
                (batch, events) -> {
                    if (aFenced.get()) {
                        aPollsAfterTakeover.incrementAndGet();
                    }
                });
        Await.until(HubFixture.BOUND, "the first instance writes", a::writing);
        ProjectionHandler b = start(f.infra.dataSource, "b-" + RUN, ProjectionHandler.Hooks.NONE);
        Thread.sleep(LEASE.toMillis() + 500);
        assertThat(b.writing()).as("the second instance stands by while the first renews its lease").isFalse();
        assertThat(b.standingByFor()).isEqualTo("a-" + RUN);
        List<String> committed = new ArrayList<>(commit(payer, payee, 20));
        awaitCommittedInReadStore(committed);

        pauseA.set(3 * LEASE.toMillis()); // its next database call comes 6 s late: the lease runs out meanwhile
        Await.until(HubFixture.BOUND, "the standby takes the lease of the paused writer", b::writing);
        aFenced.set(true);
        committed.addAll(commit(payer, payee, 20));
        Await.until(HubFixture.BOUND, "the paused writer wakes and stands by", () -> !a.writing() && pauseA.get() == 0);
        awaitCommittedInReadStore(committed);
        assertThat(aPollsAfterTakeover.get()).as("polls the replaced writer applied after it lost the lease").isZero();

        b.close(); // a stop gives the lease up: no wait for the term
        long stoppedAt = System.nanoTime();
        Await.until(HubFixture.BOUND, "the first instance takes the lease back", a::writing);
        assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(LEASE);
        aFenced.set(false);
        committed.addAll(commit(payer, payee, 20));
        awaitCommittedInReadStore(committed);
        assertThat(a.audit().check().up()).as(a.audit().check().detail()).isTrue();
    }

    @Test
    void aBrokerThatDoesNotAnswerInTimeNeitherStopsTheWriterNorLosesItsBatch() throws Exception {
        String payer = onboarded("bt-payer-" + RUN), payee = onboarded("bt-payee-" + RUN);
        f.awaitDirectoryKnows(payer, payee);

        // the real client's exception for a request the broker did not answer within its timeout
        AtomicInteger lagAttempts = new AtomicInteger();
        AtomicInteger batchAttempts = new AtomicInteger();
        ProjectionHandler h = start(f.infra.dataSource, "t-" + RUN, new ProjectionHandler.Hooks() {
            @Override
            public void insideTransaction(long batch, List<ReadModel.Event> events) {
                if (batchAttempts.getAndIncrement() < 2) {
                    throw new TimeoutException("injected: the broker did not answer in time, mid-batch");
                }
            }

            @Override
            public void measuringLag() {
                if (lagAttempts.getAndIncrement() < 2) {
                    throw new TimeoutException("injected: Failed to get offsets by times in 2001ms");
                }
            }
        });
        List<String> committed = commit(payer, payee, 20);
        awaitCommittedInReadStore(committed);
        assertThat(batchAttempts.get()).as("batches tried: two failed, the rest applied").isGreaterThan(2);
        Await.until(HubFixture.BOUND, "the lag measured again after two timeouts, and nothing behind",
                () -> lagAttempts.get() > 2 && h.lag().transfersEvents() == 0 && h.lag().participantsEvents() == 0);
        assertThat(h.isRunning()).as("the handler still runs").isTrue();
        assertThat(h.failure()).isNull();
        assertThat(h.writing()).isTrue();
    }

    @Test
    void aConnectionLostJustAfterACommitLeavesTheAuditWhole() throws Exception {
        String payer = onboarded("cl-payer-" + RUN), payee = onboarded("cl-payee-" + RUN);
        f.awaitDirectoryKnows(payer, payee);

        AtomicBoolean armed = new AtomicBoolean();
        AtomicInteger lost = new AtomicInteger();
        ProjectionHandler h = start(f.infra.dataSource, "c-" + RUN, new ProjectionHandler.Hooks() {
            @Override
            public void insideTransaction(long batch, List<ReadModel.Event> events) {
            }

            @Override
            public void committed(long batch, List<ReadModel.Event> events) throws SQLException {
                // a poll that moved the payee's position: its commit went through, then the connection failed
                if (events.stream().anyMatch(e -> ParticipantFacts.of(e.payload()).stream()
                        .anyMatch(fact -> fact instanceof PayeeFundsCommitted p && p.getParticipant().equals(payee)))
                        && armed.compareAndSet(true, false)) {
                    lost.incrementAndGet();
                    throw new SQLException("injected: connection lost on its way back to the pool", "08006");
                }
            }
        });
        List<String> committed = new ArrayList<>(commit(payer, payee, 10));
        awaitCommittedInReadStore(committed);
        armed.set(true);
        committed.addAll(commit(payer, payee, 10));
        committed.addAll(commit(payer, payee, 10)); // positions that move on from the poll the audit must not miss
        awaitCommittedInReadStore(committed);
        assertThat(lost.get()).as("polls whose connection failed after their commit").isEqualTo(1);
        assertThat(h.audit().check().up()).as(h.audit().check().detail()).isTrue();
        assertThat(h.isRunning()).isTrue();
    }

    @Test
    void anEventWhoseSchemaTheRegistryCannotGiveIsReadAgainNotDeadLettered() throws Exception {
        String payer = onboarded("rg-payer-" + RUN), payee = onboarded("rg-payee-" + RUN);
        f.awaitDirectoryKnows(payer, payee);
        long deadLettersBefore = projectionDeadLetters();
        try (RegistryLink link = new RegistryLink(f.infra.infrastructure.registryUrl())) {
            // a registry cache of its own: it knows the schemas it registered, not the older envelope format
            ProjectionHandler h = new ProjectionHandler(f.infra.dataSource, f.infra.bootstrap(), link.registry(),
                    ProjectionHandler.Settings.defaults().withLeaseTerm(LEASE).withInstance("r-" + RUN),
                    ProjectionHandler.Hooks.NONE).start();
            handlers.add(h);
            List<String> committed = new ArrayList<>(commit(payer, payee, 5));
            awaitCommittedInReadStore(committed);

            link.cut();
            // the payer's first event again, as the hub wrote it before one schema per event type: a redelivery that
            // changes nothing, in a schema this projection has to ask the registry for
            f.<ParticipantEventEnvelope>republishInEnvelopeFormat(HubTopics.PARTICIPANTS_EVENTS,
                    ParticipantEventEnvelope.getClassSchema(), f.infra.eventStore.readStream("participant-" + payer).getFirst(),
                    payer);
            Await.until(HubFixture.BOUND, "the projection replaying its poll", () -> h.failingFor().toMillis() > 1_000);
            committed.addAll(commit(payer, payee, 5));

            link.restore();
            awaitCommittedInReadStore(committed);
            assertThat(projectionDeadLetters()).as("events the projection dead-lettered").isEqualTo(deadLettersBefore);
            assertThat(h.isRunning()).isTrue();
            assertThat(h.audit().check().up()).as(h.audit().check().detail()).isTrue();
        }
    }

    private static long projectionDeadLetters() throws SQLException {
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from dead_letters where processor = 'projections'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String onboarded(String name) {
        f.onboard(name, 100_000_000, 100_000_000);
        return name;
    }

    private static ProjectionHandler start(javax.sql.DataSource dataSource, String instance, ProjectionHandler.Hooks hooks) {
        ProjectionHandler h = new ProjectionHandler(dataSource, f.infra.bootstrap(), f.infra.registry,
                ProjectionHandler.Settings.defaults().withLeaseTerm(LEASE).withInstance(instance), hooks).start();
        handlers.add(h);
        return h;
    }

    private static List<String> commit(String payer, String payee, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HubFixture.Prepared p = f.prepare(payer, payee, (i + 1) + ".25", Duration.ofMinutes(2), true);
            f.awaitEvent(p.id(), TransferReserved.class);
            f.transferCommand(new TransferCommand.FulfilTransfer(p.id(), payee, p.fulfilment(), "f-" + p.id(),
                    Instant.EPOCH, false), true);
            ids.add(p.id());
        }
        return ids;
    }

    private static void awaitCommittedInReadStore(List<String> ids) {
        Await.until(HubFixture.BOUND, ids.size() + " transfers COMMITTED in the read store", () -> {
            try (Connection c = f.infra.dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("select count(*) from " + ReadStore.LIVE
                         + ".transfers where state = 'COMMITTED' and transfer_id = any(?)")) {
                ps.setArray(1, c.createArrayOf("text", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == ids.size();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
