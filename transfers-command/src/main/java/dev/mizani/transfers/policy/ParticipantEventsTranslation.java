package dev.mizani.transfers.policy;

import dev.mizani.platform.avro.Envelopes;
import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.platform.policy.PolicyStream;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/** participants.events bytes to transfers.commands records, through {@link ParticipantEventsPolicy}. */
public final class ParticipantEventsTranslation implements PolicyStream.Translation {
    private final AvroWireCodec<ParticipantEventEnvelope> events;
    private final AvroWireCodec<TransferCommandEnvelope> commands;

    public ParticipantEventsTranslation(CachedSchemaRegistry registry) {
        this.events = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_EVENTS),
                ParticipantEventEnvelope.getClassSchema());
        this.commands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_COMMANDS),
                TransferCommandEnvelope.getClassSchema());
    }

    @Override
    public List<KeyValue<String, byte[]>> commandsFor(byte[] event) {
        ParticipantEventEnvelope envelope = events.decode(event);
        List<KeyValue<String, byte[]>> out = new ArrayList<>(1);
        for (PolicyCommand c : ParticipantEventsPolicy.commandsFor(envelope.getPayload())) {
            out.add(KeyValue.pair(c.key(), commands.encode(new TransferCommandEnvelope(
                    Envelopes.causedBy(c.commandId(), envelope.getMetadata()), c.payload()))));
        }
        return out;
    }
}
