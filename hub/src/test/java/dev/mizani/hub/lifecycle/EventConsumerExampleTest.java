package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.examples.events.EventConsumer;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.testing.Await;
import dev.mizani.projections.ProjectionHandler;
import dev.mizani.projections.SettlementWindows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The integrator's example in {@code examples/event-consumer}, which uses none of the hub's code (kafka-clients, Avro
 * and the registry's REST API only), run against the embedded hub: it prints a committed transfer's lifecycle,
 * both parties' positions and the settlement window the transfer fell into once it is closed.
 */
class EventConsumerExampleTest {
    @Test
    void theExampleConsumerPrintsATransfersLifecycleAndThePositionsItMoved() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        String payer = "expayer-" + run;
        String payee = "expayee-" + run;
        try (HubFixture f = new HubFixture(ProcessorHooks.NONE);
             ProjectionHandler projections = new ProjectionHandler(f.infra.dataSource, f.infra.bootstrap(),
                     f.infra.registry, ProjectionHandler.Settings.defaults(), ProjectionHandler.Hooks.NONE).start()) {
            f.onboard(payer, 1_000_000, 2_000_000);
            f.onboard(payee, 1_000_000, 2_000_000);
            f.awaitDirectoryKnows(payer, payee);
            HubFixture.Prepared p = f.commitOne(payer, payee, "12.34", Duration.ofSeconds(30));
            SettlementWindows windows = new SettlementWindows(f.infra.dataSource);
            Await.until(HubFixture.BOUND, "the commit in the read store", () -> committedInReadStore(f, p.id()));
            long window = windows.windows(Optional.of("OPEN")).getFirst().windowId();
            assertThat(windows.requestClose(window, "example close " + run, HubFixture.BOUND))
                    .isInstanceOf(SettlementWindows.Closed.class);
            String closedLine = "settlement window " + window + " closed (example close " + run + "): ";

            List<String> printed = new CopyOnWriteArrayList<>();
            String registryUrl = f.infra.infrastructure.registryUrl();
            new EventConsumer().run(f.infra.bootstrap(), registryUrl, HubFixture.BOUND, printed::add,
                    // three topics, read in no particular order: done once each has given its last line
                    () -> printed.stream().anyMatch(l -> l.startsWith("position " + payee + " USD"))
                            && printed.stream().anyMatch(l -> l.startsWith(closedLine))
                            && printed.stream().anyMatch(l -> l.startsWith("transfer " + p.id() + " COMMITTED")));

            assertThat(printed.stream().filter(l -> l.contains(p.id())).toList()).containsSubsequence(
                    "transfer " + p.id() + " RECEIVED " + payer + " -> " + payee + " 12.34 USD",
                    "transfer " + p.id() + " RESERVED forwarded to " + payee);
            assertThat(printed).anyMatch(l -> l.startsWith("transfer " + p.id() + " COMMITTED 12.34 USD at "))
                    .contains("position " + payer + " USD: 12.34 after PayerFundsCommitted of " + p.id(),
                            "position " + payee + " USD: -12.34 after PayeeFundsCommitted of " + p.id());
            assertThat(printed).filteredOn(l -> l.startsWith(closedLine)).singleElement().asString()
                    .contains(payer + " 12.34 USD", payee + " -12.34 USD");
        }
    }

    private static boolean committedInReadStore(HubFixture f, String transferId) {
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select 1 from read.transfers where transfer_id = ? and state = 'COMMITTED'")) {
            ps.setString(1, transferId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
