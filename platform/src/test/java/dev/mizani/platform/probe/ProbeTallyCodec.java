package dev.mizani.platform.probe;

import dev.mizani.platform.commandloop.AggregateCodec;
import dev.mizani.schemas.common.CommandMetadata;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Avro envelopes of the probe aggregate, registered under {@code <topic>-value}. */
public final class ProbeTallyCodec implements AggregateCodec<ProbeTally.Add, ProbeTally.Added, ProbeTally.State> {
    private final AvroWireCodec<TallyCommandEnvelope> commands;
    private final AvroWireCodec<TallyEventEnvelope> events;

    public ProbeTallyCodec(CachedSchemaRegistry registry, String commandTopic, String eventTopic) {
        this.commands = new AvroWireCodec<>(registry, commandTopic + "-value", TallyCommandEnvelope.getClassSchema());
        this.events = new AvroWireCodec<>(registry, eventTopic + "-value", TallyEventEnvelope.getClassSchema());
    }

    public byte[] command(String commandId, long amount, boolean undecidable) {
        CommandMetadata meta = new CommandMetadata(commandId, commandId, null, Instant.ofEpochMilli(0));
        return commands.encode(new TallyCommandEnvelope(meta, new AddToTally(amount, undecidable)));
    }

    public TallyEventEnvelope event(byte[] bytes) {
        return events.decode(bytes);
    }

    @Override
    public String streamPrefix() {
        return "tally";
    }

    @Override
    public DecodedCommand<ProbeTally.Add> decodeCommand(String key, byte[] value, Instant hubTime) {
        TallyCommandEnvelope envelope = commands.decode(value);
        AddToTally add = (AddToTally) envelope.getPayload();
        return new DecodedCommand<>(new ProbeTally.Add(add.getAmount(), add.getUndecidable()),
                envelope.getMetadata().getCommandId(), envelope.getMetadata().getCorrelationId());
    }

    @Override
    public byte[] encodeEvent(ProbeTally.Added event, EventStamp stamp) {
        EventMetadata meta = new EventMetadata(stamp.eventId().toString(), stamp.streamId(), stamp.version(),
                stamp.correlationId(), stamp.causationId(), stamp.recordedAt());
        return events.encode(new TallyEventEnvelope(meta, new TallyAdded(event.amount(), event.total())));
    }

    @Override
    public ProbeTally.Added decodeEvent(byte[] payload) {
        TallyAdded added = (TallyAdded) events.decode(payload).getPayload();
        return new ProbeTally.Added(added.getAmount(), added.getTotal());
    }

    @Override
    public String eventType(ProbeTally.Added event) {
        return "TallyAdded";
    }

    @Override
    public byte[] encodeState(ProbeTally.State state) {
        return ByteBuffer.allocate(16).putLong(state.total()).putLong(state.count()).array();
    }

    @Override
    public ProbeTally.State decodeState(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new ProbeTally.State(b.getLong(), b.getLong());
    }
}
