package dev.mizani.hub.lifecycle;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads both event topics from the beginning, as an integrator would, and keeps every payload by record key. */
final class EventCollector implements AutoCloseable {
    private final Map<String, List<Object>> byKey = new ConcurrentHashMap<>();
    private final List<Object> all = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroWireCodec<TransferEventEnvelope> transfers;
    private final AvroWireCodec<ParticipantEventEnvelope> participants;
    private final Thread thread;
    private volatile boolean running = true;

    EventCollector(String bootstrap, CachedSchemaRegistry registry) {
        transfers = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_EVENTS),
                TransferEventEnvelope.getClassSchema());
        participants = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_EVENTS),
                ParticipantEventEnvelope.getClassSchema());
        consumer = new KafkaConsumer<>(KafkaClients.plainConsumer(bootstrap, null));
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of(HubTopics.TRANSFERS_EVENTS, HubTopics.PARTICIPANTS_EVENTS)) {
            consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        thread = Thread.ofPlatform().daemon().name("event-collector").start(this::run);
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                Object payload = r.topic().equals(HubTopics.TRANSFERS_EVENTS)
                        ? transfers.decode(r.value()).getPayload() : participants.decode(r.value()).getPayload();
                byKey.computeIfAbsent(r.key(), k -> new CopyOnWriteArrayList<>()).add(payload);
                all.add(payload);
            }
        }
        consumer.close();
    }

    List<Object> of(String key) {
        return byKey.getOrDefault(key, List.of());
    }

    List<Object> all() {
        return all;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
