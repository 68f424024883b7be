package dev.mizani.platform.policy;

import dev.mizani.platform.avro.Envelopes;
import dev.mizani.schemas.common.CommandMetadata;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.wire.WireCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;

/**
 * A policy between two contexts' envelopes: decode the event envelope, ask the policy for commands,
 * and wrap each in a command envelope whose metadata carries the event's correlation and names the
 * event as its cause. An event whose type the policy does not read is passed over without being decoded: most of
 * a topic's events mean nothing to the other context (four of the six a transfer writes), and decoding them was
 * a fifth of a policy's work.
 */
public final class EnvelopeTranslation<E extends SpecificRecord, C extends SpecificRecord>
        implements PolicyStream.Translation {
    private final WireCodec<E> events;
    private final Function<E, EventMetadata> metadataOf;
    private final Function<E, Object> payloadOf;
    private final Set<String> reads;
    private final Function<Object, List<PolicyCommand>> policy;
    private final WireCodec<C> commands;
    private final BiFunction<CommandMetadata, SpecificRecord, C> envelope;

    /**
     * @param reads the full names of the event types {@code policy} can turn into commands; it is given no other
     *              (see {@link WireCodec#payloadTypeOf})
     */
    public EnvelopeTranslation(WireCodec<E> events, Function<E, EventMetadata> metadataOf,
                               Function<E, Object> payloadOf, Set<String> reads,
                               Function<Object, List<PolicyCommand>> policy,
                               WireCodec<C> commands, BiFunction<CommandMetadata, SpecificRecord, C> envelope) {
        this.events = events;
        this.metadataOf = metadataOf;
        this.payloadOf = payloadOf;
        this.reads = Set.copyOf(reads);
        this.policy = policy;
        this.commands = commands;
        this.envelope = envelope;
    }

    @Override
    public List<KeyValue<String, byte[]>> commandsFor(byte[] event) {
        String type = events.payloadTypeOf(event);
        if (type != null && !reads.contains(type)) {
            return List.of();
        }
        E decoded = events.decode(event);
        EventMetadata cause = metadataOf.apply(decoded);
        List<KeyValue<String, byte[]>> out = new ArrayList<>(2);
        for (PolicyCommand c : policy.apply(payloadOf.apply(decoded))) {
            out.add(KeyValue.pair(c.key(), commands.encode(envelope.apply(Envelopes.causedBy(c.commandId(), cause),
                    c.payload()))));
        }
        return out;
    }
}
