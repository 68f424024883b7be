package dev.mizani.platform.commandloop;

import java.time.Instant;
import java.util.List;
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

    /**
     * The commands a record holds, in order: one, or the several a policy packed for this aggregate
     * ({@link dev.mizani.schemas.common.CommandPack}), each naming the source position its policy gave it. Throws as
     * {@link #decodeCommand} does, for the whole record.
     */
    default List<DecodedCommand<C>> decodeCommands(String key, byte[] value, Instant hubTime) {
        return List.of(decodeCommand(key, value, hubTime));
    }

    byte[] encodeEvent(E event, EventStamp stamp);

    E decodeEvent(byte[] payload);

    String eventType(E event);

    /**
     * Whether the loop may pack this event with others of its stream that the same batch decided: the outcome of
     * a derived command, recognised on a repeat by the command's id stored beside the pack. None by default.
     */
    default boolean packable(E event) {
        return false;
    }

    /** One event stating {@code events} (two or more {@link #packable} ones of one stream), in order. */
    default E pack(String aggregateKey, List<E> events) {
        throw new UnsupportedOperationException(streamPrefix() + " events are not packed");
    }

    /**
     * Whether the loop looks a batch's derived commands up before deciding them, to recognise a repeat by its id
     * and re-emit what it caused. A codec answers false only when its decider recognises every repeat itself,
     * deciding no event for a derived command its aggregate already applied however late the repeat comes (a
     * transfer's acknowledgement once the transfer moved on): the loop then spends no lookup on its batches, and a
     * repeat's events reach the broker once, through the publication marks every committed event has.
     */
    default boolean looksUpRepeats() {
        return true;
    }

    byte[] encodeState(S state);

    S decodeState(byte[] bytes);

    /**
     * @param sourcePosition the store position of the event a packed command was derived from, as its pack names it;
     *                       {@link dev.mizani.platform.eventstore.EventPositions#NONE} for a command on a record of
     *                       its own, whose record header names it
     */
    record DecodedCommand<C>(C command, String commandId, String correlationId, long sourcePosition) {
        public DecodedCommand(C command, String commandId, String correlationId) {
            this(command, commandId, correlationId, dev.mizani.platform.eventstore.EventPositions.NONE);
        }
    }

    /** The metadata every stored and published event carries. */
    record EventStamp(UUID eventId, String streamId, long version, String correlationId, String causationId,
                      Instant recordedAt) {}
}
