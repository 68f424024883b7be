package dev.mizani.gateway.participants;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.common.CommandMetadata;
import dev.mizani.schemas.participant.ParticipantCommandEnvelope;
import dev.mizani.schemas.participant.ParticipantCommandRefused;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends operator commands to participants.commands and waits for what they caused, so the admin API can
 * answer as central-ledger's does: applied, refused with the participant's reason, or not confirmed in time.
 * A command the participant's state already satisfies causes no event; {@code satisfied} recognises that.
 */
public final class ParticipantCommands implements AutoCloseable {
    private static final long SATISFIED_POLL_MS = 25;

    public sealed interface Outcome {}

    /** The command took effect (or its effect was already there). */
    public record Applied() implements Outcome {}

    public record Refused(int errorCode, String errorDescription) implements Outcome {}

    /** In Kafka, so it will apply, but the participants handler did not answer within the wait. */
    public record Pending(String why) implements Outcome {}

    /** Kafka did not acknowledge the command: it may not be recorded. */
    public record NotRecorded(String why) implements Outcome {}

    private final ParticipantsView view;
    private final AvroWireCodec<ParticipantCommandEnvelope> codec;
    private final KafkaProducer<String, byte[]> producer;
    private final Clock clock;
    private final Duration wait;

    public ParticipantCommands(String bootstrap, CachedSchemaRegistry registry, ParticipantsView view, Clock clock,
                               Duration wait) {
        this.view = view;
        this.codec = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_COMMANDS),
                ParticipantCommandEnvelope.getClassSchema());
        this.producer = new KafkaProducer<>(KafkaClients.idempotentProducer(bootstrap, "admin-api"));
        this.clock = clock;
        this.wait = wait;
    }

    /** Sends {@code command} for {@code participant} unless {@code satisfied} already holds, and waits for its outcome. */
    public Outcome submit(String participant, SpecificRecord command, BooleanSupplier satisfied) {
        if (satisfied.getAsBoolean()) {
            return new Applied();
        }
        String commandId = UUID.randomUUID().toString();
        CompletableFuture<Object> outcome = view.outcomeOf(commandId);
        try {
            byte[] value = codec.encode(new ParticipantCommandEnvelope(
                    new CommandMetadata(commandId, commandId, null, clock.instant()), command));
            producer.send(new ProducerRecord<>(HubTopics.PARTICIPANTS_COMMANDS, participant, value))
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    Object event = outcome.get(SATISFIED_POLL_MS, TimeUnit.MILLISECONDS);
                    return event instanceof ParticipantCommandRefused r
                            ? new Refused(r.getErrorCode(), r.getErrorDescription()) : new Applied();
                } catch (TimeoutException e) {
                    if (satisfied.getAsBoolean()) {
                        return new Applied();
                    }
                }
            }
            return new Pending("the participants handler did not confirm within " + wait.toMillis() + " ms; "
                    + "the command is recorded and will still apply");
        } catch (ExecutionException | TimeoutException e) {
            return new NotRecorded("Kafka did not acknowledge the command, so it may not be recorded; repeating it is safe: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new NotRecorded("interrupted");
        } finally {
            view.forget(commandId);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
