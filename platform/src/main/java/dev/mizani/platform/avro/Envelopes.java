package dev.mizani.platform.avro;

import dev.mizani.platform.commandloop.AggregateCodec.EventStamp;
import dev.mizani.schemas.common.CommandMetadata;
import dev.mizani.schemas.common.EventMetadata;
import java.time.Instant;

/** The metadata halves of every envelope, built the same way in every context. */
public final class Envelopes {
    private Envelopes() {}

    public static EventMetadata eventMetadata(EventStamp stamp) {
        return new EventMetadata(stamp.eventId().toString(), stamp.streamId(), stamp.version(), stamp.correlationId(),
                stamp.causationId(), stamp.recordedAt());
    }

    /** A command caused by an event (a policy's output): correlation carried on, causation the event. */
    public static CommandMetadata causedBy(String commandId, EventMetadata cause) {
        return new CommandMetadata(commandId, cause.getCorrelationId(), cause.getEventId(), cause.getRecordedAt());
    }

    public static CommandMetadata issued(String commandId, String correlationId, Instant issuedAt) {
        return new CommandMetadata(commandId, correlationId, null, issuedAt);
    }
}
