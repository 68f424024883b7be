package dev.mizani.platform.commandloop;

import java.time.Instant;
import java.util.UUID;

/**
 * The adapter between an aggregate's domain types and bytes: commands from Kafka, events to the store
 * and Kafka (one Confluent-framed Avro envelope for both), and snapshot state.
 */
public interface AggregateCodec<C, E, S> {
    /** Stream ids are {@code prefix + "-" + aggregate key}. */
    String streamPrefix();

    /**
     * Decodes a command and stamps it with hub time. Throws for a record that can never be decoded
     * ({@link dev.mizani.schemas.wire.WireFormatException}, or any runtime exception): it is dead-lettered. A
     * {@link dev.mizani.schemas.registry.RegistryUnavailableException} is not such a record: the batch is read again.
     */
    DecodedCommand<C> decodeCommand(String key, byte[] value, Instant hubTime);

    byte[] encodeEvent(E event, EventStamp stamp);

    E decodeEvent(byte[] payload);

    String eventType(E event);

    byte[] encodeState(S state);

    S decodeState(byte[] bytes);

    record DecodedCommand<C>(C command, String commandId, String correlationId) {}

    /** The metadata every stored and published event carries. */
    record EventStamp(UUID eventId, String streamId, long version, String correlationId, String causationId,
                      Instant recordedAt) {}
}
