package dev.mizani.platform.eventstore;

import java.time.Instant;
import java.util.UUID;

/** An event as the store holds it; {@code payload} is the Confluent-framed Avro envelope. */
public record StoredEvent(
        long globalPosition,
        String streamId,
        long version,
        String eventType,
        int schemaId,
        byte[] payload,
        UUID eventId,
        String correlationId,
        String causationId,
        Instant recordedAt) {}
