package dev.mizani.participants.policy;

import dev.mizani.platform.policy.EnvelopeTranslation;
import dev.mizani.platform.policy.PolicyStream;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantCommandEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;

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
}
