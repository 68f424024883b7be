package dev.mizani.loadtest.ftps;

import dev.mizani.gateway.transfers.TransfersGateway;
import dev.mizani.loadtest.ftps.Flights.Flight;
import dev.mizani.loadtest.ftps.Flights.Plan;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.common.CommandMetadata;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import dev.mizani.schemas.transfer.FulfilTransfer;
import dev.mizani.schemas.transfer.PrepareTransfer;
import dev.mizani.schemas.transfer.RejectTransfer;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.transfer.TransferPrepareRejected;
import dev.mizani.schemas.transfer.TransferRequestRefused;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Core mode, as the Mojaloop PoC measured its handlers: the payer's prepare and the payee's answer go straight
 * onto {@code transfers.commands} as the gateway would put them, and the outcome is read from
 * {@code transfers.events}. No HTTP, no callbacks: the hub's handlers, event store, policies and projections.
 */
final class CoreDriver implements TransferDriver {
    private final Flights flights;
    private final List<String> names;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroWireCodec<TransferCommandEnvelope> commands;
    private final EventWireCodec<TransferEventEnvelope> events;
    private final Thread reader;
    private volatile boolean running = true;

    CoreDriver(Flights flights, String bootstrap, String registryUrl, List<String> names) {
        this.flights = flights;
        this.names = names;
        CachedSchemaRegistry registry = new CachedSchemaRegistry(new SchemaRegistryClient(registryUrl, Duration.ofSeconds(10)));
        this.commands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_COMMANDS),
                TransferCommandEnvelope.getClassSchema());
        this.events = new EventWireCodec<>(registry, HubTopics.TRANSFERS_EVENTS,
                TransferEventEnvelope.getClassSchema());
        // sends as the gateway does (its linger) and reads as the hub's callback notifier does (a lingering fetch):
        // the broker's CPU this mode charges to the hub is then what the hub's own clients would cost it, not a
        // chattier client's (a 1 ms linger and a fetch answered per record cost the broker a request per few records)
        Map<String, Object> sending = new HashMap<>(KafkaClients.idempotentProducer(bootstrap, "load-core"));
        sending.put(ProducerConfig.LINGER_MS_CONFIG, TransfersGateway.COMMAND_LINGER_MS_DEFAULT);
        this.producer = new KafkaProducer<>(sending);
        Map<String, Object> props = KafkaClients.followerConsumer(bootstrap, null);
        props.put("max.poll.records", 5_000);
        this.consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(HubTopics.TRANSFERS_EVENTS).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        this.reader = Thread.ofPlatform().name("core-events").start(this::read);
    }

    @Override
    public void prepare(Flight f, String amount, String condition, Instant expiration) {
        send(f.id, new PrepareTransfer(f.id, names.get(f.payer), names.get(f.payee), amount, "USD", "AYIBgQAAAAAAAASw",
                condition, expiration, "p-" + f.id, null));
    }

    private void send(String transferId, SpecificRecord command) {
        byte[] value = commands.encode(new TransferCommandEnvelope(
                new CommandMetadata(UUID.randomUUID().toString(), transferId, null, Instant.now()), command));
        producer.send(new ProducerRecord<>(HubTopics.TRANSFERS_COMMANDS, transferId, value), (meta, e) -> {
            if (e != null) {
                flights.refused(transferId, "generator: " + e.getClass().getSimpleName(), System.nanoTime());
            }
        });
    }

    private void read() {
        while (running) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                long now = System.nanoTime();
                switch (events.decode(r.value()).getPayload()) {
                    case TransferReserved e -> answer(e.getTransferId(), now);
                    case TransferCommitted e -> flights.ended(e.getTransferId(), null, now);
                    case TransferAborted e -> flights.ended(e.getTransferId(), Integer.toString(e.getErrorCode()), now);
                    case TransferExpired e -> flights.ended(e.getTransferId(), "3303", now);
                    case TransferPrepareRejected e -> flights.ended(e.getTransferId(), Integer.toString(e.getErrorCode()), now);
                    case TransferRequestRefused e -> flights.ended(e.getTransferId(), Integer.toString(e.getErrorCode()), now);
                    default -> { }
                }
            }
        }
        consumer.close();
    }

    /** The payee hears of the reservation: it answers as the transfer's plan says. */
    private void answer(String id, long now) {
        flights.reserved(id, now);
        Flight f = flights.flight(id);
        if (f == null || f.plan == Plan.EXPIRE) {
            return;
        }
        f.answeredNs = System.nanoTime();
        flights.answersSent.increment();
        if (f.plan == Plan.REJECT) {
            send(id, new RejectTransfer(id, names.get(f.payee), 5104, "Transaction request rejected", "r-" + id, null));
        } else {
            send(id, new FulfilTransfer(id, names.get(f.payee), f.fulfilment, "f-" + id, false, null, null));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(5_000);
        producer.close(Duration.ofSeconds(5));
    }
}
