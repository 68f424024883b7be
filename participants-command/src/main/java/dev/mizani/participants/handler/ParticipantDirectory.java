package dev.mizani.participants.handler;

import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.CurrencyAdded;
import dev.mizani.schemas.participant.ParticipantActiveSet;
import dev.mizani.schemas.participant.ParticipantCreated;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.participant.ReservePayerFunds;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every participant's existence, activity and currencies, read from participants.events (all
 * partitions, from the beginning) into memory. A payer's aggregate cannot read its payee's, so the
 * reservation's payee checks use this view, a few milliseconds behind the payee's own stream. Bounded
 * by the number of participants, a few hundred DFSPs.
 */
public final class ParticipantDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParticipantDirectory.class);

    private record Entry(boolean active, Set<String> currencies) {}

    private final Map<String, Entry> participants = new ConcurrentHashMap<>();
    private final AvroWireCodec<ParticipantEventEnvelope> events;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    public ParticipantDirectory(String bootstrap, CachedSchemaRegistry registry) {
        this.events = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_EVENTS),
                ParticipantEventEnvelope.getClassSchema());
        this.consumer = new KafkaConsumer<>(KafkaClients.plainConsumer(bootstrap, null));
        this.thread = new Thread(this::run, "participant-directory");
    }

    public ParticipantDirectory start() {
        List<TopicPartition> partitions = consumer.partitionsFor(HubTopics.PARTICIPANTS_EVENTS).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    public PayeeFacts payee(ReservePayerFunds reserve) {
        Entry e = participants.get(reserve.getPayeeFsp());
        return e == null ? new PayeeFacts(false, false, false)
                : new PayeeFacts(true, e.active(), e.currencies().contains(reserve.getCurrency()));
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    apply(r);
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        try {
            Object payload = events.decode(r.value()).getPayload();
            switch (payload) {
                case ParticipantCreated c -> participants.putIfAbsent(c.getParticipant(), new Entry(true, Set.of()));
                case CurrencyAdded c -> participants.computeIfPresent(c.getParticipant(), (k, e) -> new Entry(e.active(),
                        union(e.currencies(), c.getCurrency())));
                case ParticipantActiveSet c -> participants.computeIfPresent(c.getParticipant(),
                        (k, e) -> new Entry(c.getActive(), e.currencies()));
                default -> { }
            }
        } catch (RuntimeException e) {
            log.error("participant directory skipped {}/{}/{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
        }
    }

    private static Set<String> union(Set<String> set, String added) {
        java.util.HashSet<String> copy = new java.util.HashSet<>(set);
        copy.add(added);
        return Set.copyOf(copy);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
