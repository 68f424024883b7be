package dev.mizani.participants.policy;

import dev.mizani.platform.avro.Envelopes;
import dev.mizani.platform.policy.EnvelopeTranslation;
import dev.mizani.platform.policy.PolicyStream;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.common.CommandPack;
import dev.mizani.schemas.participant.ParticipantCommandEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import java.time.Instant;

/** transfers.events bytes to participants.commands records, through {@link TransferEventsPolicy}. */
public final class TransferEventsTranslation {
    private TransferEventsTranslation() {}

    public static PolicyStream.Translation create(CachedSchemaRegistry registry) {
        return new EnvelopeTranslation<>(
                new EventWireCodec<TransferEventEnvelope>(registry, HubTopics.TRANSFERS_EVENTS,
                        TransferEventEnvelope.getClassSchema()),
                TransferEventEnvelope::getMetadata, TransferEventEnvelope::getPayload, TransferEventsPolicy.READS,
                TransferEventsPolicy::commandsFor,
                new AvroWireCodec<ParticipantCommandEnvelope>(registry,
                        HubTopics.valueSubject(HubTopics.PARTICIPANTS_COMMANDS), ParticipantCommandEnvelope.getClassSchema()),
                ParticipantCommandEnvelope::new);
    }

    /**
     * The participants' commands a poll derived for one participant, on one record: three per transfer (its payer's
     * reservation and commit, its payee's credit) were a third of the records a transfer puts on the broker. The
     * pack's own metadata names the participant and the count; each command keeps its own inside.
     */
    public static PolicyStream.Packer packer(CachedSchemaRegistry registry) {
        AvroWireCodec<ParticipantCommandEnvelope> commands = new AvroWireCodec<>(registry,
                HubTopics.valueSubject(HubTopics.PARTICIPANTS_COMMANDS), ParticipantCommandEnvelope.getClassSchema());
        return (participant, packed, timestamp) -> {
            String id = "pack:" + participant;
            return commands.encode(new ParticipantCommandEnvelope(
                    Envelopes.issued(id, id, Instant.ofEpochMilli(timestamp)), new CommandPack(packed)));
        };
    }
}
