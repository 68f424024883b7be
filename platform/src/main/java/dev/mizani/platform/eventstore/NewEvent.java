package dev.mizani.platform.eventstore;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An event about to be appended: {@code payload} is the Confluent-framed Avro envelope, exactly the
 * bytes that will be published. {@code version} is the stream version this event creates. The derived commands
 * whose outcome it states are named in {@code derivedCommands} (an event packing several has a null causation):
 * the store keys each one beside it, so a repeat of any of them is recognised ({@link EventStore#causedBy}).
 */
public record NewEvent(
        String streamId,
        long version,
        String eventType,
        byte[] payload,
        UUID eventId,
        String correlationId,
        String causationId,
        Instant recordedAt,
        List<DerivedCommand> derivedCommands) {

    public NewEvent {
        if (version <= 0) {
            throw new IllegalArgumentException("stream versions start at 1, got " + version + " for " + streamId);
        }
        derivedCommands = List.copyOf(derivedCommands);
    }

    /**
     * A derived command whose outcome an event states: its id, and the store position of the event it was derived
     * from ({@link EventPositions#NONE} when its record named none).
     */
    public record DerivedCommand(String commandId, long sourcePosition) {}

    /** An event caused by one command, or by none. */
    public NewEvent(String streamId, long version, String eventType, byte[] payload, UUID eventId, String correlationId,
                    String causationId, Instant recordedAt) {
        this(streamId, version, eventType, payload, eventId, correlationId, causationId, recordedAt, List.of());
    }
}
