package dev.mizani.gateway.callbacks;

import dev.mizani.platform.kafka.TopicFollower;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.CallbackEndpointSet;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every participant's callback endpoints, read from participants.events into memory. Bounded by
 * participants times endpoint types.
 */
public final class ParticipantEndpoints implements AutoCloseable {
    private final Map<String, Map<String, String>> endpoints = new ConcurrentHashMap<>();
    private final AvroWireCodec<ParticipantEventEnvelope> events;
    private final TopicFollower follower;

    public ParticipantEndpoints(String bootstrap, CachedSchemaRegistry registry) {
        this.events = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_EVENTS),
                ParticipantEventEnvelope.getClassSchema());
        this.follower = new TopicFollower("participant-endpoints", bootstrap, List.of(HubTopics.PARTICIPANTS_EVENTS), r -> {
            try {
                if (events.decode(r.value()).getPayload() instanceof CallbackEndpointSet e) {
                    endpoints.computeIfAbsent(e.getParticipant(), k -> new ConcurrentHashMap<>()).put(e.getType(), e.getUrl());
                }
            } catch (RuntimeException e) {
                // An unreadable event is the participants handler's concern; it holds no endpoint for us.
            }
        });
    }

    /** The URL for the type, with {{transferId}} filled in. */
    public Optional<String> url(String participant, String type, String transferId) {
        return Optional.ofNullable(endpoints.getOrDefault(participant, Map.of()).get(type))
                .map(u -> u.replace("{{transferId}}", transferId));
    }

    @Override
    public void close() {
        follower.close();
    }
}
