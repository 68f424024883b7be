package dev.mizani.hub.architecture.bad.domain;

import dev.mizani.participants.domain.ParticipantDecider;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Breaks every rule of {@code ArchitectureTest} on purpose, so that test can show each rule fails when broken. */
public final class ImpureDecider {
    private ImpureDecider() {}

    public static Object decide() {
        return new ProducerRecord<>("topic", Instant.now().toString() + new ParticipantDecider());
    }
}
