package dev.mizani.participants.handler;

import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.platform.kafka.TopicFollower;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.CurrencyAdded;
import dev.mizani.schemas.participant.ParticipantActiveSet;
import dev.mizani.schemas.participant.ParticipantCreated;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.participant.ReservePayerFunds;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every participant's existence, activity and currencies, read from participants.events into memory.
 * A payer's aggregate cannot read its payee's, so the reservation's payee checks use this view, a few
 * milliseconds behind the payee's own stream. Bounded by the number of participants, a few hundred DFSPs.
 */
public final class ParticipantDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParticipantDirectory.class);

    private record Entry(boolean active, Set<String> currencies) {}

    private final Map<String, Entry> participants = new ConcurrentHashMap<>();
    private final AvroWireCodec<ParticipantEventEnvelope> events;
    private final String bootstrap;
    private TopicFollower follower;

    public ParticipantDirectory(String bootstrap, CachedSchemaRegistry registry) {
        this.bootstrap = bootstrap;
        this.events = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_EVENTS),
                ParticipantEventEnvelope.getClassSchema());
    }

    public ParticipantDirectory start() {
        follower = new TopicFollower("participant-directory", bootstrap, List.of(HubTopics.PARTICIPANTS_EVENTS), this::apply);
        return this;
    }

    public PayeeFacts payee(ReservePayerFunds reserve) {
        Entry e = participants.get(reserve.getPayeeFsp());
        return e == null ? new PayeeFacts(false, false, false)
                : new PayeeFacts(true, e.active(), e.currencies().contains(reserve.getCurrency()));
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        try {
            switch (events.decode(r.value()).getPayload()) {
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
        Set<String> copy = new HashSet<>(set);
        copy.add(added);
        return Set.copyOf(copy);
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
    }
}
