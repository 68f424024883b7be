package dev.mizani.participants.handler;

import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.platform.kafka.TopicFollower;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.participant.ReservePayerFunds;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The participants handler's {@link PayeeDirectory}, following participants.events from the beginning. */
public final class ParticipantDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParticipantDirectory.class);

    private final PayeeDirectory payees = new PayeeDirectory();
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
        return payees.payee(reserve);
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        try {
            payees.apply(events.decode(r.value()));
        } catch (RuntimeException e) {
            log.error("participant directory skipped {}/{}/{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
        }
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
    }
}
