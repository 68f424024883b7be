package dev.mizani.participants.policy;

import dev.mizani.platform.avro.Envelopes;
import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.platform.policy.PolicyStream;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantCommandEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/** transfers.events bytes to participants.commands records, through {@link TransferEventsPolicy}. */
public final class TransferEventsTranslation implements PolicyStream.Translation {
    private final AvroWireCodec<TransferEventEnvelope> events;
    private final AvroWireCodec<ParticipantCommandEnvelope> commands;

    public TransferEventsTranslation(CachedSchemaRegistry registry) {
        this.events = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_EVENTS),
                TransferEventEnvelope.getClassSchema());
        this.commands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_COMMANDS),
                ParticipantCommandEnvelope.getClassSchema());
    }

    @Override
    public List<KeyValue<String, byte[]>> commandsFor(byte[] event) {
        TransferEventEnvelope envelope = events.decode(event);
        List<KeyValue<String, byte[]>> out = new ArrayList<>(2);
        for (PolicyCommand c : TransferEventsPolicy.commandsFor(envelope.getPayload())) {
            out.add(KeyValue.pair(c.key(), commands.encode(new ParticipantCommandEnvelope(
                    Envelopes.causedBy(c.commandId(), envelope.getMetadata()), c.payload()))));
        }
        return out;
    }
}
