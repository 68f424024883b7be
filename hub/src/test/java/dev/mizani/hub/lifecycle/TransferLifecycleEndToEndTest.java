package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.PayeeFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsReleased;
import dev.mizani.schemas.participant.PayerFundsReserved;
import dev.mizani.schemas.participant.PayerFundsReservationRejected;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferDuplicateReported;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.transfer.TransferRequestRefused;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.transfers.domain.TransferCommand;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transfer lifecycle on the real embedded Kafka and PostgreSQL: commands into transfers.commands,
 * both handlers, both Kafka Streams policies, the payee directory and the expiry scheduler, outcomes read
 * from the event topics as an integrator reads them.
 */
class TransferLifecycleEndToEndTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String PAYER = "payer-" + RUN;
    private static final String PAYEE = "payee-" + RUN;
    private static final String POOR = "poor-" + RUN;
    private static final String CAPPED = "capped-" + RUN;

    private static HubFixture f;

    @BeforeAll
    static void startHub() throws Exception {
        f = new HubFixture(ProcessorHooks.NONE);
        f.onboard(PAYER, 1_000_000, 2_000_000);
        f.onboard(PAYEE, 1_000_000, 2_000_000);
        f.onboard(POOR, 1_000_000, 1_000);
        f.onboard(CAPPED, 500, 1_000_000);
        f.awaitDirectoryKnows(PAYER, PAYEE, POOR, CAPPED);
    }

    @AfterAll
    static void stopHub() throws Exception {
        f.close();
    }

    private static HubFixture.Prepared prepare(String payer, String payee, String amount, Duration expiresIn) {
        return f.prepare(payer, payee, amount, expiresIn, true);
    }

    private static void transferCommand(TransferCommand c) {
        f.transferCommand(c, true);
    }

    private static <T> T awaitEvent(String key, Class<T> type) {
        return f.awaitEvent(key, type);
    }

    private static <T> boolean released(String transferId, Class<T> type) {
        return f.seen(transferId, type);
    }

    @Test
    void preparedReservedFulfilledCommitsOnBothPositions() {
        HubFixture.Prepared p = prepare(PAYER, PAYEE, "12.34", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(new TransferCommand.FulfilTransfer(p.id(), PAYEE, p.fulfilment(), "fulfil-" + p.id(), Instant.EPOCH, false));
        TransferCommitted committed = awaitEvent(p.id(), TransferCommitted.class);
        assertThat(committed.getAmountMinor()).isEqualTo(1_234);
        Await.until(HubFixture.BOUND, "payer and payee positions moved", () -> released(p.id(), PayerFundsCommitted.class)
                && released(p.id(), PayeeFundsCommitted.class));
    }

    /**
     * A published event names its store position in a header, and a command a policy derives from it names that
     * position: what the participants handler recognises a repeated command by when its outcome was packed.
     */
    @Test
    void derivedCommandsNameTheStorePositionOfTheEventTheyCameFrom() throws Exception {
        HubFixture.Prepared p = prepare(PAYER, PAYEE, "3", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        StoredEvent accepted = f.infra.eventStore.readStream("transfer-" + p.id()).getFirst();
        assertThat(accepted.eventType()).isEqualTo("TransferPrepareAccepted");

        ConsumerRecord<String, byte[]> published = TopicReader.readAll(f.infra.bootstrap(), HubTopics.TRANSFERS_EVENTS, 1,
                HubFixture.BOUND, Duration.ofSeconds(1)).stream()
                .filter(r -> r.key().equals(p.id()) && EventPositions.of(r.headers(), EventPositions.POSITION_HEADER)
                        == accepted.globalPosition()).findFirst().orElseThrow();
        assertThat(published.value()).isEqualTo(accepted.payload());
        // on a record of its own, the record's header names it; in a pack of the policy's, the pack does
        List<Long> sources = TopicReader.readAll(f.infra.bootstrap(), HubTopics.PARTICIPANTS_COMMANDS, 1,
                HubFixture.BOUND, Duration.ofSeconds(1)).stream()
                .flatMap(r -> f.hub.participantCodec.decodeCommands(r.key(), r.value(), Instant.EPOCH).stream()
                        .filter(c -> c.commandId().equals("reserve:" + p.id()))
                        .map(c -> c.sourcePosition() != EventPositions.NONE ? c.sourcePosition()
                                : EventPositions.of(r.headers(), EventPositions.SOURCE_HEADER)))
                .toList();
        assertThat(sources).isNotEmpty().containsOnly(accepted.globalPosition());
    }

    @Test
    void aPayeeRejectAbortsAndReleasesTheReservation() {
        HubFixture.Prepared p = prepare(PAYER, PAYEE, "5", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(new TransferCommand.RejectTransfer(p.id(), PAYEE, 5100, "no such account", "reject-" + p.id(), Instant.EPOCH));
        TransferAborted aborted = awaitEvent(p.id(), TransferAborted.class);
        assertThat(aborted.getErrorCode()).isEqualTo(5100);
        assertThat(aborted.getReservationHeld()).isTrue();
        Await.until(HubFixture.BOUND, "reservation released", () -> released(p.id(), PayerFundsReleased.class));
    }

    /**
     * Whether the reservation is acknowledged before the expiration passes depends on load: either the
     * RESERVED transfer expires and releases, or the RECEIVED one expires and the late reservation is
     * released. Both must end with the payer's reservation released and a late fulfil refused 3303.
     */
    @Test
    void anUnansweredTransferExpiresByTheTimerAndReleases() {
        HubFixture.Prepared p = prepare(PAYER, PAYEE, "7", Duration.ofMillis(1_500));
        TransferExpired expired = awaitEvent(p.id(), TransferExpired.class);
        Await.until(HubFixture.BOUND, "reservation released", () -> released(p.id(), PayerFundsReleased.class));
        if (!expired.getReservationHeld()) {
            assertThat(f.events.of(p.id())).anyMatch(e -> e instanceof dev.mizani.schemas.transfer.LateReservationReleased);
        }
        transferCommand(new TransferCommand.FulfilTransfer(p.id(), PAYEE, p.fulfilment(), "late-" + p.id(), Instant.EPOCH, false));
        TransferRequestRefused late = awaitEvent(p.id(), TransferRequestRefused.class);
        assertThat(late.getErrorCode()).isEqualTo(3303);
    }

    @Test
    void netDebitCapAndLiquidityBreachesAbortWith4200And4001() {
        HubFixture.Prepared capped = prepare(CAPPED, PAYEE, "6", Duration.ofSeconds(30));
        HubFixture.Prepared poor = prepare(POOR, PAYEE, "20", Duration.ofSeconds(30));
        assertThat(awaitEvent(capped.id(), TransferAborted.class).getErrorCode()).isEqualTo(4200);
        assertThat(awaitEvent(poor.id(), TransferAborted.class).getErrorCode()).isEqualTo(4001);
        assertThat(f.events.all()).anyMatch(e -> e instanceof PayerFundsReservationRejected r
                && r.getTransferId().equals(capped.id()) && r.getErrorCode() == 4200);
    }

    @Test
    void anUnknownPayeeIs3203AndAWrongFulfilmentAbortsWith3100() {
        HubFixture.Prepared ghost = prepare(PAYER, "ghost-" + RUN, "1", Duration.ofSeconds(30));
        assertThat(awaitEvent(ghost.id(), TransferAborted.class).getErrorCode()).isEqualTo(3203);

        HubFixture.Prepared p = prepare(PAYER, PAYEE, "1", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(new TransferCommand.FulfilTransfer(p.id(), PAYEE, HubFixture.b64(new byte[32]), "wrong-" + p.id(), Instant.EPOCH, false));
        TransferAborted aborted = awaitEvent(p.id(), TransferAborted.class);
        assertThat(aborted.getErrorCode()).isEqualTo(3100);
        assertThat(aborted.getErrorDescription()).contains("invalid fulfilment");
        Await.until(HubFixture.BOUND, "reservation released", () -> released(p.id(), PayerFundsReleased.class));
    }

    @Test
    void aRepeatedPrepareIsReportedAndAChangedOneIs3106() {
        HubFixture.Prepared p = prepare(PAYER, PAYEE, "3", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(p.command());
        assertThat(awaitEvent(p.id(), TransferDuplicateReported.class).getState()).isEqualTo("RESERVED");
        var changed = p.command();
        transferCommand(new TransferCommand.PrepareTransfer(changed.transferId(), changed.payerFsp(), changed.payeeFsp(),
                "4", "USD", changed.ilpPacket(), changed.condition(), changed.expiration(), "other-hash", Instant.EPOCH));
        assertThat(awaitEvent(p.id(), TransferRequestRefused.class).getErrorCode()).isEqualTo(3106);
        assertThat(f.events.of(PAYER).stream().filter(e -> e instanceof PayerFundsReserved r && r.getTransferId().equals(p.id())))
                .as("reserved once").hasSize(1);
    }
}
