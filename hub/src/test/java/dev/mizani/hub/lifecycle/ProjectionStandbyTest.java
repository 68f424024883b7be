package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.testing.Await;
import dev.mizani.projections.ProjectionHandler;
import dev.mizani.projections.ReadStore;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two projection instances on one read store, on the real broker and database: one writes, the other stands by. A
 * writer paused for longer than its lease is replaced, and when it wakes it writes nothing (the lease's epoch fences
 * it); a writer that stops hands over at once. Every transfer reaches the read store throughout.
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

    @AfterAll
    static void stop() throws Exception {
        handlers.forEach(ProjectionHandler::close);
        if (f != null) {
            f.close();
        }
    }

    @Test
    void aPausedWriterIsReplacedAndFencedAndAStoppedOneHandsOver() throws Exception {
        String payer = "sb-payer-" + RUN, payee = "sb-payee-" + RUN;
        f.onboard(payer, 100_000_000, 100_000_000);
        f.onboard(payee, 100_000_000, 100_000_000);
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
