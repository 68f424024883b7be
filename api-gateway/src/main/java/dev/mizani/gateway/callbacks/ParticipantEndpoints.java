package dev.mizani.gateway.callbacks;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.CallbackEndpointSet;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Every participant's callback endpoints, read from participants.events (all partitions, from the
 * beginning). Bounded by participants times endpoint types.
 */
public final class ParticipantEndpoints implements AutoCloseable {
    private final Map<String, Map<String, String>> endpoints = new ConcurrentHashMap<>();
    private final AvroWireCodec<ParticipantEventEnvelope> events;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    public ParticipantEndpoints(String bootstrap, CachedSchemaRegistry registry) {
        this.events = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_EVENTS),
                ParticipantEventEnvelope.getClassSchema());
        this.consumer = new KafkaConsumer<>(KafkaClients.plainConsumer(bootstrap, null));
        List<TopicPartition> parts = consumer.partitionsFor(HubTopics.PARTICIPANTS_EVENTS).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        this.thread = Thread.ofPlatform().daemon().name("participant-endpoints").start(this::run);
    }

    /** The URL for the type, with {{transferId}} filled in. */
    public Optional<String> url(String participant, String type, String transferId) {
        return Optional.ofNullable(endpoints.getOrDefault(participant, Map.of()).get(type))
                .map(u -> u.replace("{{transferId}}", transferId));
    }

    private void run() {
        try {
            while (running) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                    try {
                        if (events.decode(r.value()).getPayload() instanceof CallbackEndpointSet e) {
                            endpoints.computeIfAbsent(e.getParticipant(), k -> new ConcurrentHashMap<>())
                                    .put(e.getType(), e.getUrl());
                        }
                    } catch (RuntimeException e) {
                        // An unreadable event is the participants handler's concern; it holds no endpoint for us.
                    }
                });
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
