package dev.mizani.participants.handler;

import dev.mizani.participants.avro.ParticipantAvro;
import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.platform.avro.Envelopes;
import dev.mizani.platform.commandloop.AggregateCodec;
import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.policy.CommandPacks;
import dev.mizani.schemas.common.CommandPack;
import dev.mizani.schemas.common.PackedCommand;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantCommandEnvelope;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.schemas.participant.ReservePayerFunds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The participant aggregate's bytes: Avro envelopes on the topics, {@link ParticipantSnapshots} in the store. */
public final class ParticipantCodec implements AggregateCodec<ParticipantCommand, ParticipantEvent, Participant> {
    private final AvroWireCodec<ParticipantCommandEnvelope> commands;
    private final EventWireCodec<ParticipantEventEnvelope> events;
    private final Function<ReservePayerFunds, PayeeFacts> payees;

    /** @param payees the facts of a reservation's payee, from a view that trails the payee's own stream */
    public ParticipantCodec(CachedSchemaRegistry registry, Function<ReservePayerFunds, PayeeFacts> payees) {
        this.commands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_COMMANDS),
                ParticipantCommandEnvelope.getClassSchema());
        this.events = new EventWireCodec<>(registry, HubTopics.PARTICIPANTS_EVENTS,
                ParticipantEventEnvelope.getClassSchema());
        this.payees = payees;
    }

    @Override
    public String streamPrefix() {
        return "participant";
    }

    @Override
    public DecodedCommand<ParticipantCommand> decodeCommand(String key, byte[] value, Instant hubTime) {
        List<DecodedCommand<ParticipantCommand>> decoded = decodeCommands(key, value, hubTime);
        if (decoded.size() != 1) {
            throw new IllegalArgumentException("a pack of " + decoded.size() + " commands, not one command");
        }
        return decoded.getFirst();
    }

    /** One command, or the participants' policy's pack of them ({@link CommandPack}), each for the record's key. */
    @Override
    public List<DecodedCommand<ParticipantCommand>> decodeCommands(String key, byte[] value, Instant hubTime) {
        ParticipantCommandEnvelope envelope = commands.decode(value);
        if (!(envelope.getPayload() instanceof CommandPack pack)) {
            return List.of(command(key, envelope, EventPositions.NONE));
        }
        if (pack.getCommands().isEmpty()) {
            throw new IllegalArgumentException("an empty command pack");
        }
        List<DecodedCommand<ParticipantCommand>> decoded = new ArrayList<>(pack.getCommands().size());
        for (PackedCommand packed : pack.getCommands()) {
            ParticipantCommandEnvelope inner = commands.decode(CommandPacks.bytes(packed.getEnvelope()));
            if (inner.getPayload() instanceof CommandPack) {
                throw new IllegalArgumentException("a command pack inside a command pack");
            }
            decoded.add(command(key, inner, packed.getSourcePosition()));
        }
        return decoded;
    }

    private DecodedCommand<ParticipantCommand> command(String key, ParticipantCommandEnvelope envelope, long source) {
        ParticipantCommand command = ParticipantAvro.command(envelope.getPayload(), payees);
        if (!command.participant().equals(key)) {
            throw new IllegalArgumentException("record key '" + key + "' is not the command's participant '"
                    + command.participant() + "'");
        }
        return new DecodedCommand<>(command, envelope.getMetadata().getCommandId(),
                envelope.getMetadata().getCorrelationId(), source);
    }

    @Override
    public byte[] encodeEvent(ParticipantEvent event, EventStamp stamp) {
        return events.encode(new ParticipantEventEnvelope(Envelopes.eventMetadata(stamp), ParticipantAvro.event(event)));
    }

    @Override
    public ParticipantEvent decodeEvent(byte[] payload) {
        return ParticipantAvro.event(events.decode(payload).getPayload());
    }

    @Override
    public String eventType(ParticipantEvent event) {
        return event.getClass().getSimpleName();
    }

    /** A transfer's reservation, its refusal, commits and releases: packed per participant per command batch. */
    @Override
    public boolean packable(ParticipantEvent event) {
        return ParticipantEvent.isTransferFact(event);
    }

    @Override
    public ParticipantEvent pack(String participant, List<ParticipantEvent> events) {
        return new ParticipantEvent.TransferFacts(participant, events);
    }

    @Override
    public byte[] encodeState(Participant state) {
        return ParticipantSnapshots.write(state);
    }

    @Override
    public Participant decodeState(byte[] bytes) {
        return ParticipantSnapshots.read(bytes);
    }

    public byte[] encodeCommand(String commandId, String correlationId, Instant issuedAt, ParticipantCommand command) {
        return commands.encode(new ParticipantCommandEnvelope(Envelopes.issued(commandId, correlationId, issuedAt),
                ParticipantAvro.command(command)));
    }
}
