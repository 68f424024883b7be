package dev.mizani.examples.events;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An integrator's view of the hub: each transfer's lifecycle from {@code transfers.events} and each participant's
 * position from {@code participants.events}, and each settlement window as it closes from {@code settlement.events},
 * one line per event, as the events arrive. It follows the catalogue's
 * rules (docs/events.md): records can come again, even after newer ones of the same stream, so each stream's highest
 * version applied is kept and anything at or below it is skipped; amounts are minor units.
 *
 * <pre>java -cp ... dev.mizani.examples.events.EventConsumer 127.0.0.1:9092 http://127.0.0.1:8081/apis/ccompat/v7</pre>
 */
public final class EventConsumer {
    private final Map<String, Long> versions = new HashMap<>();

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: EventConsumer <kafka bootstrap> <registry URL (Confluent API)> [seconds]");
            System.exit(2);
        }
        Duration duration = args.length > 2 ? Duration.ofSeconds(Long.parseLong(args[2])) : Duration.ofDays(365);
        new EventConsumer().run(args[0], args[1], duration, System.out::println, () -> false);
    }

    /**
     * Prints (to {@code out}) every event of both topics from the earliest retained offset, for {@code duration} or
     * until {@code done} says so.
     */
    public void run(String bootstrap, String registryUrl, Duration duration, Consumer<String> out,
                    java.util.function.BooleanSupplier done) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "event-consumer-example-" + Instant.now().toEpochMilli());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, GenericRecord> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new ConfluentAvroDeserializer(registryUrl))) {
            consumer.subscribe(List.of("transfers.events", "participants.events", "settlement.events"));
            long until = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < until && !done.getAsBoolean()) {
                for (ConsumerRecord<String, GenericRecord> r : consumer.poll(Duration.ofMillis(200))) {
                    String line = describe(r.value());
                    if (line != null) {
                        out.accept(line);
                    }
                }
            }
        }
    }

    /** One line for an event seen for the first time, null for a repeat or an event this consumer does not show. */
    String describe(GenericRecord envelope) {
        GenericRecord metadata = (GenericRecord) envelope.get("metadata");
        String stream = metadata.get("streamId").toString();
        long version = (Long) metadata.get("version");
        if (version <= versions.getOrDefault(stream, 0L)) {
            return null; // delivered again: already applied
        }
        versions.put(stream, version);
        return event((GenericRecord) envelope.get("payload"));
    }

    @SuppressWarnings("unchecked")
    private String event(GenericRecord e) {
        String type = e.getSchema().getName();
        if (type.equals("TransferFacts")) { // several facts of one participant, in order: a line each
            StringBuilder lines = new StringBuilder();
            for (GenericRecord fact : (List<GenericRecord>) e.get("facts")) {
                String line = event(fact);
                if (line != null) {
                    lines.append(lines.isEmpty() ? "" : "\n").append(line);
                }
            }
            return lines.isEmpty() ? null : lines.toString();
        }
        return switch (type) {
            case "TransferPrepareAccepted" -> transfer(e, "RECEIVED", e.get("payerFsp") + " -> " + e.get("payeeFsp") + " "
                    + amount(e));
            case "TransferReserved" -> transfer(e, "RESERVED", "forwarded to " + e.get("payeeFsp"));
            case "TransferCommitted" -> transfer(e, "COMMITTED", amount(e) + " at " + Instant.ofEpochMilli(
                    (Long) e.get("completedAt")));
            case "TransferAborted" -> transfer(e, "ABORTED", "error " + e.get("errorCode") + ": " + e.get("errorDescription"));
            case "TransferExpired" -> transfer(e, "ABORTED", "error 3303: expired");
            case "TransferPrepareRejected" -> transfer(e, "ABORTED", "error " + e.get("errorCode") + ": "
                    + e.get("errorDescription"));
            case "PayerFundsReserved", "PayerFundsCommitted", "PayeeFundsCommitted" -> "position " + e.get("participant")
                    + " " + e.get("currency") + ": " + minor((Long) e.get("positionMinor")) + " after " + type + " of "
                    + e.get("transferId");
            case "SettlementWindowClosed" -> "settlement window " + e.get("windowId") + " closed (" + e.get("reason")
                    + "): " + netPositions(e);
            default -> null; // an event type this consumer does not show, or does not know yet
        };
    }

    @SuppressWarnings("unchecked")
    private static String netPositions(GenericRecord closed) {
        StringBuilder out = new StringBuilder();
        for (GenericRecord n : (List<GenericRecord>) closed.get("netPositions")) {
            out.append(out.isEmpty() ? "" : ", ").append(n.get("participant")).append(' ')
                    .append(minor((Long) n.get("netMinor"))).append(' ').append(n.get("currency"));
        }
        return out.isEmpty() ? "nothing committed" : out.toString();
    }

    private static String transfer(GenericRecord e, String state, String detail) {
        return "transfer " + e.get("transferId") + " " + state + " " + detail;
    }

    private static String amount(GenericRecord e) {
        return minor((Long) e.get("amountMinor")) + " " + e.get("currency");
    }

    /** Minor units as a decimal amount with two places (the catalogue's currencies of the examples have scale 2). */
    private static String minor(long value) {
        return java.math.BigDecimal.valueOf(value, 2).toPlainString();
    }
}
