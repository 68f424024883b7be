package dev.mizani.platform.eventstore;

import java.time.Instant;
import java.util.UUID;

/**
 * An event about to be appended: {@code payload} is the Confluent-framed Avro envelope, exactly the
 * bytes that will be published. {@code version} is the stream version this event creates.
 */
public record NewEvent(
        String streamId,
        long version,
        String eventType,
        byte[] payload,
        UUID eventId,
        String correlationId,
        String causationId,
        Instant recordedAt) {

    public NewEvent {
        if (version <= 0) {
            throw new IllegalArgumentException("stream versions start at 1, got " + version + " for " + streamId);
        }
    }
}
