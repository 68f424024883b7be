package dev.mizani.schemas;

import dev.mizani.schemas.participant.ParticipantCommandEnvelope;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.settlement.SettlementEventEnvelope;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The hub's topics and the Avro envelope each carries: the whole contract between contexts and with integrators.
 * Command topics carry the envelope itself, under Confluent's TopicNameStrategy ({@code <topic>-value}); event topics
 * carry one record per event type under TopicRecordNameStrategy ({@link dev.mizani.schemas.wire.EventWireCodec}).
 * Keys are plain UTF-8 strings (transfer id, or participant name).
 */
public final class HubTopics {
    public static final String TRANSFERS_COMMANDS = "transfers.commands";
    public static final String TRANSFERS_EVENTS = "transfers.events";
    public static final String PARTICIPANTS_COMMANDS = "participants.commands";
    public static final String PARTICIPANTS_EVENTS = "participants.events";
    /** Settlement windows as they close, keyed by window id; written by the projection handler. */
    public static final String SETTLEMENT_EVENTS = "settlement.events";
    /** Callbacks the gateway could not deliver: the body, with reason, participant and endpoint type headers. */
    public static final String CALLBACK_DEAD_LETTERS = "callbacks.dlq";
    /**
     * What each gateway process admitted per participant over the last moment, so every process's rate limits count
     * the whole cluster's requests. Internal: key the process, value lines of {@code participant count}.
     */
    public static final String GATEWAY_LOAD = "gateway.load";

    /**
     * The compatibility level of each envelope's subject: a new schema must read every earlier version, since the
     * event store keeps their bytes forever and the hub replays them. (Not FULL: a new command or event type is a
     * new branch of the envelope's union, which an older reader cannot resolve.)
     */
    public static final String COMPATIBILITY = "BACKWARD_TRANSITIVE";

    /**
     * The compatibility level of each event type's subject on an event topic: the hub reads every earlier version
     * (its event store) and a consumer's older copy reads every later one. A new event type is a new subject and
     * needs no check against the others; see docs/events.md.
     */
    public static final String EVENT_TYPE_COMPATIBILITY = "FULL_TRANSITIVE";

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

    /** The topics integrators consume, each with its envelope: one record per event type on the wire. */
    public static Map<String, Schema> eventTopics() {
        return Map.of(
                TRANSFERS_EVENTS, TransferEventEnvelope.getClassSchema(),
                PARTICIPANTS_EVENTS, ParticipantEventEnvelope.getClassSchema(),
                SETTLEMENT_EVENTS, SettlementEventEnvelope.getClassSchema());
    }

    private HubTopics() {}
}
