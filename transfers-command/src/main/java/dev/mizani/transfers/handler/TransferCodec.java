package dev.mizani.transfers.handler;

import dev.mizani.platform.avro.Envelopes;
import dev.mizani.platform.commandloop.AggregateCodec;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import dev.mizani.transfers.avro.TransferAvro;
import dev.mizani.transfers.domain.Transfer;
import dev.mizani.transfers.domain.TransferCommand;
import dev.mizani.transfers.domain.TransferEvent;
import java.time.Instant;

/** The transfer aggregate's bytes: Avro envelopes on the topics, {@link TransferSnapshots} in the store. */
public final class TransferCodec implements AggregateCodec<TransferCommand, TransferEvent, Transfer> {
    private final AvroWireCodec<TransferCommandEnvelope> commands;
    private final EventWireCodec<TransferEventEnvelope> events;

    public TransferCodec(CachedSchemaRegistry registry) {
        this.commands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_COMMANDS),
                TransferCommandEnvelope.getClassSchema());
        this.events = new EventWireCodec<>(registry, HubTopics.TRANSFERS_EVENTS,
                TransferEventEnvelope.getClassSchema());
    }

    @Override
    public String streamPrefix() {
        return "transfer";
    }

    @Override
    public DecodedCommand<TransferCommand> decodeCommand(String key, byte[] value, Instant hubTime) {
        TransferCommandEnvelope envelope = commands.decode(value);
        TransferCommand command = TransferAvro.command(envelope.getPayload(), hubTime);
        if (!command.transferId().equals(key)) {
            throw new IllegalArgumentException("record key '" + key + "' is not the command's transferId '"
                    + command.transferId() + "'");
        }
        return new DecodedCommand<>(command, envelope.getMetadata().getCommandId(),
                envelope.getMetadata().getCorrelationId());
    }

    @Override
    public byte[] encodeEvent(TransferEvent event, EventStamp stamp) {
        return events.encode(new TransferEventEnvelope(Envelopes.eventMetadata(stamp), TransferAvro.event(event)));
    }

    @Override
    public TransferEvent decodeEvent(byte[] payload) {
        return TransferAvro.event(events.decode(payload).getPayload());
    }

    @Override
    public String eventType(TransferEvent event) {
        return event.getClass().getSimpleName();
    }

    /**
     * No: a transfer's derived commands (its reservation acknowledged or refused, its expiry) each move it out of
     * the one state that acts on them, so {@code TransferDecider} decides nothing for a repeat in any later state
     * ({@code TransferDeciderTest}, "every derived command applied again decides nothing").
     */
    @Override
    public boolean looksUpRepeats() {
        return false;
    }

    @Override
    public byte[] encodeState(Transfer state) {
        return TransferSnapshots.write(state);
    }

    @Override
    public Transfer decodeState(byte[] bytes) {
        return TransferSnapshots.read(bytes);
    }

    public byte[] encodeCommand(String commandId, String correlationId, Instant issuedAt, TransferCommand command) {
        return commands.encode(new TransferCommandEnvelope(Envelopes.issued(commandId, correlationId, issuedAt),
                TransferAvro.command(command)));
    }
}
