package dev.mizani.transfers.policy;

import dev.mizani.platform.policy.EnvelopeTranslation;
import dev.mizani.platform.policy.PolicyStream;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;

/** participants.events bytes to transfers.commands records, through {@link ParticipantEventsPolicy}. */
public final class ParticipantEventsTranslation {
    private ParticipantEventsTranslation() {}

    public static PolicyStream.Translation create(CachedSchemaRegistry registry) {
        return new EnvelopeTranslation<>(
                new EventWireCodec<ParticipantEventEnvelope>(registry, HubTopics.PARTICIPANTS_EVENTS, ParticipantEventEnvelope.getClassSchema()),
                ParticipantEventEnvelope::getMetadata, ParticipantEventEnvelope::getPayload,
                ParticipantEventsPolicy.READS, ParticipantEventsPolicy::commandsFor,
                new AvroWireCodec<TransferCommandEnvelope>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_COMMANDS),
                        TransferCommandEnvelope.getClassSchema()),
                TransferCommandEnvelope::new);
    }
}
