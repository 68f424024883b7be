package dev.mizani.hub.lifecycle;

import dev.mizani.hub.HubServices;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ReservePayerFunds;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import dev.mizani.transfers.domain.TransferCommand;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The whole hub on the shared embedded infrastructure, and what a test DFSP does with it. */
public final class HubFixture implements AutoCloseable {
    public static final Duration BOUND = Duration.ofSeconds(90);

    public final SharedInfrastructure infra = SharedInfrastructure.get();
    public final HubServices hub;
    public final EventCollector events;
    private final KafkaProducer<String, byte[]> producer;

    record Prepared(String id, String fulfilment, TransferCommand.PrepareTransfer command) {}

    public HubFixture(ProcessorHooks transfersHooks) throws Exception {
        this(transfersHooks, Map.of());
    }

    /** @param env the hub's environment variables, as {@link HubServices} reads them */
    public HubFixture(ProcessorHooks transfersHooks, Map<String, String> env) throws Exception {
        HubServices.prepare(infra.dataSource, infra.bootstrap(), 4);
        hub = new HubServices(infra.bootstrap(), infra.dataSource, infra.registry, Clock.systemUTC(),
                Files.createTempDirectory("mizani-streams-"), env, transfersHooks);
        events = new EventCollector(infra.bootstrap(), infra.registry);
        producer = new KafkaProducer<>(KafkaClients.idempotentProducer(infra.bootstrap(), "fixture-" + UUID.randomUUID()));
    }

    void onboard(String name, long ndc, long liquidity) {
        participantCommand(new ParticipantCommand.CreateParticipant(name));
        participantCommand(new ParticipantCommand.AddCurrency(name, "USD"));
        participantCommand(new ParticipantCommand.SetNetDebitCap(name, "USD", ndc));
        participantCommand(new ParticipantCommand.RecordFundsIn(name, "USD", liquidity, "seed-" + name));
        producer.flush();
    }

    public void awaitDirectoryKnows(String payer, String... payees) {
        for (String payee : payees) {
            Await.until(BOUND, "directory knows " + payee,
                    () -> hub.directory.payee(new ReservePayerFunds(payer, payee, "x", 1L, "USD")).currencyEnabled());
        }
    }

    /**
     * An event of the store published again on {@code topic} in the older whole-envelope format ({@code envelope} under
     * {@code <topic>-value}): a redelivery that every reader recognises, in a schema a reader may not have seen.
     */
    public <E extends SpecificRecord> void republishInEnvelopeFormat(String topic, Schema envelope, StoredEvent event,
                                                                     String key) throws Exception {
        EventWireCodec<E> perType = new EventWireCodec<>(infra.registry, topic, envelope);
        AvroWireCodec<E> whole = new AvroWireCodec<>(infra.registry, HubTopics.valueSubject(topic), envelope);
        // named by its store position, as every record of an event this build stored is, however it is encoded: a
        // record without it can only come from a build before the header, of an event stored before this build's
        // keys (decision 012)
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, whole.encode(perType.decode(event.payload())));
        record.headers().add(EventPositions.POSITION_HEADER, EventPositions.bytes(event.globalPosition()));
        producer.send(record).get();
    }

    void participantCommand(ParticipantCommand c) {
        producer.send(new ProducerRecord<>(HubTopics.PARTICIPANTS_COMMANDS, c.participant(), hub.participantCodec
                .encodeCommand(UUID.randomUUID().toString(), "onboarding", Instant.now(), c)));
    }

    void transferCommand(TransferCommand c, boolean flush) {
        producer.send(new ProducerRecord<>(HubTopics.TRANSFERS_COMMANDS, c.transferId(), hub.transferCodec
                .encodeCommand(UUID.randomUUID().toString(), c.transferId(), Instant.now(), c)));
        if (flush) {
            producer.flush();
        }
    }

    void flush() {
        producer.flush();
    }

    /** Produces a record again, as it was (key, bytes, headers): what a consumer replaying its input sees. */
    void produceAgain(ConsumerRecord<String, byte[]> r) {
        producer.send(new ProducerRecord<>(r.topic(), null, r.key(), r.value(), r.headers()));
    }

    Prepared prepare(String payer, String payee, String amount, Duration expiresIn, boolean flush) {
        byte[] preimage = new byte[32];
        ThreadLocalRandom.current().nextBytes(preimage);
        String id = UUID.randomUUID().toString();
        var command = new TransferCommand.PrepareTransfer(id, payer, payee, amount, "USD", "ilp-" + id,
                b64(sha256(preimage)), Instant.now().plus(expiresIn), "hash-" + id, Instant.EPOCH);
        transferCommand(command, flush);
        return new Prepared(id, b64(preimage), command);
    }

    /** One transfer from payer to payee, prepared, reserved, fulfilled and committed; participants already onboarded. */
    Prepared commitOne(String payer, String payee, String amount, Duration expiresIn) {
        Prepared p = prepare(payer, payee, amount, expiresIn, true);
        awaitEvent(p.id(), TransferReserved.class);
        transferCommand(new TransferCommand.FulfilTransfer(p.id(), payee, p.fulfilment(), "fulfil-" + p.id(),
                Instant.EPOCH, false), true);
        awaitEvent(p.id(), TransferCommitted.class);
        return p;
    }

    public <T> T awaitEvent(String key, Class<T> type) {
        Await.until(BOUND, type.getSimpleName() + " for " + key, () -> events.of(key).stream().anyMatch(type::isInstance));
        return events.of(key).stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    <T> boolean seen(String transferId, Class<T> type) {
        return events.all().stream().anyMatch(e -> type.isInstance(e) && e.toString().contains(transferId));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public void close() throws Exception {
        producer.close();
        events.close();
        hub.close();
    }
}
