package dev.mizani.hub.lifecycle;

import dev.mizani.platform.kafka.TopicFollower;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.ParticipantFacts;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reads both event topics from the beginning, as an integrator would, and keeps every payload by record key: the
 * facts of a participant's packed {@code TransferFacts} one by one, in order.
 */
public final class EventCollector implements AutoCloseable {
    private final Map<String, List<Object>> byKey = new ConcurrentHashMap<>();
    private final List<Object> all = new CopyOnWriteArrayList<>();
    private final TopicFollower follower;

    EventCollector(String bootstrap, CachedSchemaRegistry registry) {
        var transfers = new EventWireCodec<TransferEventEnvelope>(registry, HubTopics.TRANSFERS_EVENTS,
                TransferEventEnvelope.getClassSchema());
        var participants = new EventWireCodec<ParticipantEventEnvelope>(registry, HubTopics.PARTICIPANTS_EVENTS, ParticipantEventEnvelope.getClassSchema());
        follower = new TopicFollower("event-collector", bootstrap,
                List.of(HubTopics.TRANSFERS_EVENTS, HubTopics.PARTICIPANTS_EVENTS), r -> {
                    List<?> payloads = r.topic().equals(HubTopics.TRANSFERS_EVENTS)
                            ? List.of(transfers.decode(r.value()).getPayload())
                            : ParticipantFacts.of(participants.decode(r.value()).getPayload());
                    byKey.computeIfAbsent(r.key(), k -> new CopyOnWriteArrayList<>()).addAll(payloads);
                    all.addAll(payloads);
                });
    }

    List<Object> of(String key) {
        return byKey.getOrDefault(key, List.of());
    }

    List<Object> all() {
        return all;
    }

    @Override
    public void close() {
        follower.close();
    }
}
