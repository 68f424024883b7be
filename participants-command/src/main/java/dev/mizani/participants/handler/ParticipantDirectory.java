package dev.mizani.participants.handler;

import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.kafka.TopicFollower;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.participant.ReservePayerFunds;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The participants handler's {@link PayeeDirectory}: read from the participants' streams in the event store when it
 * starts, then kept up from participants.events. It never needs the topic's history, so no retention setting can
 * make it forget a participant.
 */
public final class ParticipantDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParticipantDirectory.class);

    private final PayeeDirectory payees = new PayeeDirectory();
    private final EventWireCodec<ParticipantEventEnvelope> events;
    private final String bootstrap;
    private final EventStore store;
    private TopicFollower follower;

    public ParticipantDirectory(String bootstrap, CachedSchemaRegistry registry, EventStore store) {
        this.bootstrap = bootstrap;
        this.store = store;
        this.events = new EventWireCodec<>(registry, HubTopics.PARTICIPANTS_EVENTS,
                ParticipantEventEnvelope.getClassSchema());
    }

    /** Returns once every participant the event store holds is known; the topic is followed from then on. */
    public ParticipantDirectory start() {
        follower = TopicFollower.fromEnd("participant-directory", bootstrap, List.of(HubTopics.PARTICIPANTS_EVENTS),
                this::apply);
        try {
            store.forEachInStreams(STREAM_PREFIX, e -> {
                if (reads(e.payload())) {
                    payees.apply(events.decode(e.payload()));
                }
            });
        } catch (java.sql.SQLException e) {
            follower.close();
            throw new IllegalStateException("cannot read the participants' streams: " + e.getMessage(), e);
        }
        follower.start();
        return this;
    }

    /** The participants' event streams, {@code participant-<name>}. */
    private static final String STREAM_PREFIX = "participant-";

    public PayeeFacts payee(ReservePayerFunds reserve) {
        return payees.payee(reserve);
    }

    /** Whether {@code event} can change a payee's facts: most of the topic is reservations and commits. */
    private boolean reads(byte[] event) {
        String type = events.payloadTypeOf(event);
        return type == null || PayeeDirectory.READS.contains(type);
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        try {
            if (reads(r.value())) {
                payees.apply(events.decode(r.value()));
            }
        } catch (RegistryUnavailableException e) {
            throw e; // its follower reads it again once the registry answers
        } catch (RuntimeException e) {
            log.error("participant directory skipped {}/{}/{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
        }
    }

    /** Down once the directory stopped following participants.events: payees' facts would go stale. */
    public Health.Check check() {
        return follower == null ? Health.Check.up("not started") : follower.check();
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
    }
}
