package dev.mizani.schemas;

import dev.mizani.schemas.participant.ParticipantCommandEnvelope;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The hub's topics and the one Avro envelope each carries: the whole contract between contexts and
 * with integrators. Subjects follow Confluent's TopicNameStrategy ({@code <topic>-value}); keys are
 * plain UTF-8 strings (transfer id, or participant name).
 */
public final class HubTopics {
    public static final String TRANSFERS_COMMANDS = "transfers.commands";
    public static final String TRANSFERS_EVENTS = "transfers.events";
    public static final String PARTICIPANTS_COMMANDS = "participants.commands";
    public static final String PARTICIPANTS_EVENTS = "participants.events";
    /** Callbacks the gateway could not deliver: the body, with reason, participant and endpoint type headers. */
    public static final String CALLBACK_DEAD_LETTERS = "callbacks.dlq";

    /**
     * The compatibility level of every subject of the hub: a new schema must read every earlier version, since the
     * event store keeps their bytes forever and the hub replays them. (Not FULL: a new event type is a new branch of
     * an envelope's union, which an older reader cannot resolve; see docs/events.md.)
     */
    public static final String COMPATIBILITY = "BACKWARD_TRANSITIVE";

    /** Dead letters of a command topic: the unprocessable record as it was, with a reason header. */
    public static String deadLetters(String commandTopic) {
        return commandTopic + ".dlq";
    }

    public static String valueSubject(String topic) {
        return topic + "-value";
    }

    public static Map<String, Schema> envelopes() {
        return Map.of(
                TRANSFERS_COMMANDS, TransferCommandEnvelope.getClassSchema(),
                TRANSFERS_EVENTS, TransferEventEnvelope.getClassSchema(),
                PARTICIPANTS_COMMANDS, ParticipantCommandEnvelope.getClassSchema(),
                PARTICIPANTS_EVENTS, ParticipantEventEnvelope.getClassSchema());
    }

    private HubTopics() {}
}
