package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.hub.HubServices;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.SharedInfrastructure;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transfer lifecycle on the real embedded Kafka and PostgreSQL: commands into transfers.commands,
 * both handlers, both Kafka Streams policies, the payee directory and the expiry scheduler, outcomes read
 * from the event topics as an integrator reads them.
 */
class TransferLifecycleEndToEndTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String PAYER = "payer-" + RUN;
    private static final String PAYEE = "payee-" + RUN;
    private static final String POOR = "poor-" + RUN;
    private static final String CAPPED = "capped-" + RUN;

    private static SharedInfrastructure infra;
    private static HubServices hub;
    private static EventCollector events;
    private static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void startHub() throws Exception {
        infra = SharedInfrastructure.get();
        HubServices.prepare(infra.dataSource, infra.bootstrap(), 4);
        hub = new HubServices(infra.bootstrap(), infra.dataSource, infra.registry, Clock.systemUTC(),
                Files.createTempDirectory("mizani-streams-"), Map.of(), ProcessorHooks.NONE);
        events = new EventCollector(infra.bootstrap(), infra.registry);
        producer = new KafkaProducer<>(KafkaClients.idempotentProducer(infra.bootstrap(), "lifecycle-test"));
        onboard(PAYER, 1_000_000, 2_000_000);
        onboard(PAYEE, 1_000_000, 2_000_000);
        onboard(POOR, 1_000_000, 1_000);
        onboard(CAPPED, 500, 1_000_000);
        Await.until(BOUND, "directory knows every participant", () -> hub.directory.payee(
                new dev.mizani.schemas.participant.ReservePayerFunds(PAYER, CAPPED, "x", 1L, "USD")).currencyEnabled());
    }

    @AfterAll
    static void stopHub() throws Exception {
        producer.close();
        events.close();
        hub.close();
    }

    private static void onboard(String name, long ndc, long liquidity) {
        participantCommand(new ParticipantCommand.CreateParticipant(name));
        participantCommand(new ParticipantCommand.AddCurrency(name, "USD"));
        participantCommand(new ParticipantCommand.SetNetDebitCap(name, "USD", ndc));
        participantCommand(new ParticipantCommand.RecordFundsIn(name, "USD", liquidity, "seed-" + name));
    }

    private static void participantCommand(ParticipantCommand c) {
        producer.send(new ProducerRecord<>(HubTopics.PARTICIPANTS_COMMANDS, c.participant(), hub.participantCodec
                .encodeCommand(UUID.randomUUID().toString(), "onboarding", Instant.now(), c)));
    }

    private static void transferCommand(TransferCommand c) {
        producer.send(new ProducerRecord<>(HubTopics.TRANSFERS_COMMANDS, c.transferId(), hub.transferCodec
                .encodeCommand(UUID.randomUUID().toString(), c.transferId(), Instant.now(), c)));
        producer.flush();
    }

    private record Prepared(String id, String fulfilment, TransferCommand.PrepareTransfer command) {}

    private static Prepared prepare(String payer, String payee, String amount, Duration expiresIn) {
        byte[] preimage = new byte[32];
        ThreadLocalRandom.current().nextBytes(preimage);
        String id = UUID.randomUUID().toString();
        var command = new TransferCommand.PrepareTransfer(id, payer, payee, amount, "USD", "ilp-" + id,
                b64(sha256(preimage)), Instant.now().plus(expiresIn), "hash-" + id, Instant.EPOCH);
        transferCommand(command);
        return new Prepared(id, b64(preimage), command);
    }

    private static <T> T awaitEvent(String key, Class<T> type) {
        Await.until(BOUND, type.getSimpleName() + " for " + key, () -> events.of(key).stream().anyMatch(type::isInstance));
        return events.of(key).stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    private static <T> boolean released(String transferId, Class<T> type) {
        return events.all().stream().anyMatch(e -> type.isInstance(e) && e.toString().contains(transferId));
    }

    @Test
    void preparedReservedFulfilledCommitsOnBothPositions() {
        Prepared p = prepare(PAYER, PAYEE, "12.34", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(new TransferCommand.FulfilTransfer(p.id(), PAYEE, p.fulfilment(), "fulfil-" + p.id(), Instant.EPOCH));
        TransferCommitted committed = awaitEvent(p.id(), TransferCommitted.class);
        assertThat(committed.getAmountMinor()).isEqualTo(1_234);
        Await.until(BOUND, "payer and payee positions moved", () -> released(p.id(), PayerFundsCommitted.class)
                && released(p.id(), PayeeFundsCommitted.class));
    }

    @Test
    void aPayeeRejectAbortsAndReleasesTheReservation() {
        Prepared p = prepare(PAYER, PAYEE, "5", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(new TransferCommand.RejectTransfer(p.id(), PAYEE, 5100, "no such account", "reject-" + p.id(), Instant.EPOCH));
        TransferAborted aborted = awaitEvent(p.id(), TransferAborted.class);
        assertThat(aborted.getErrorCode()).isEqualTo(5100);
        assertThat(aborted.getReservationHeld()).isTrue();
        Await.until(BOUND, "reservation released", () -> released(p.id(), PayerFundsReleased.class));
    }

    @Test
    void anUnansweredTransferExpiresByTheTimerAndReleases() {
        Prepared p = prepare(PAYER, PAYEE, "7", Duration.ofMillis(1_500));
        awaitEvent(p.id(), TransferReserved.class);
        TransferExpired expired = awaitEvent(p.id(), TransferExpired.class);
        assertThat(expired.getReservationHeld()).isTrue();
        Await.until(BOUND, "reservation released", () -> released(p.id(), PayerFundsReleased.class));
        transferCommand(new TransferCommand.FulfilTransfer(p.id(), PAYEE, p.fulfilment(), "late-" + p.id(), Instant.EPOCH));
        TransferRequestRefused late = awaitEvent(p.id(), TransferRequestRefused.class);
        assertThat(late.getErrorCode()).isEqualTo(3303);
    }

    @Test
    void netDebitCapAndLiquidityBreachesAbortWith4200And4001() {
        Prepared capped = prepare(CAPPED, PAYEE, "6", Duration.ofSeconds(30));
        Prepared poor = prepare(POOR, PAYEE, "20", Duration.ofSeconds(30));
        assertThat(awaitEvent(capped.id(), TransferAborted.class).getErrorCode()).isEqualTo(4200);
        assertThat(awaitEvent(poor.id(), TransferAborted.class).getErrorCode()).isEqualTo(4001);
        assertThat(events.all()).anyMatch(e -> e instanceof PayerFundsReservationRejected r
                && r.getTransferId().equals(capped.id()) && r.getErrorCode() == 4200);
    }

    @Test
    void anUnknownPayeeIs3203AndAWrongFulfilmentAbortsWith3100() {
        Prepared ghost = prepare(PAYER, "ghost-" + RUN, "1", Duration.ofSeconds(30));
        assertThat(awaitEvent(ghost.id(), TransferAborted.class).getErrorCode()).isEqualTo(3203);

        Prepared p = prepare(PAYER, PAYEE, "1", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(new TransferCommand.FulfilTransfer(p.id(), PAYEE, b64(new byte[32]), "wrong-" + p.id(), Instant.EPOCH));
        TransferAborted aborted = awaitEvent(p.id(), TransferAborted.class);
        assertThat(aborted.getErrorCode()).isEqualTo(3100);
        assertThat(aborted.getErrorDescription()).contains("invalid fulfilment");
        Await.until(BOUND, "reservation released", () -> released(p.id(), PayerFundsReleased.class));
    }

    @Test
    void aRepeatedPrepareIsReportedAndAChangedOneIs3106() {
        Prepared p = prepare(PAYER, PAYEE, "3", Duration.ofSeconds(30));
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(p.command());
        assertThat(awaitEvent(p.id(), TransferDuplicateReported.class).getState()).isEqualTo("RESERVED");
        var changed = p.command();
        transferCommand(new TransferCommand.PrepareTransfer(changed.transferId(), changed.payerFsp(), changed.payeeFsp(),
                "4", "USD", changed.ilpPacket(), changed.condition(), changed.expiration(), "other-hash", Instant.EPOCH));
        assertThat(awaitEvent(p.id(), TransferRequestRefused.class).getErrorCode()).isEqualTo(3106);
        assertThat(events.of(PAYER).stream().filter(e -> e instanceof PayerFundsReserved r && r.getTransferId().equals(p.id())))
                .as("reserved once").hasSize(1);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
