package dev.mizani.platform.commandloop;

import dev.mizani.platform.eventstore.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Sends events and dead letters and waits until the broker has acknowledged all of them. The producer
 * is idempotent, so its own retries never duplicate; a send that still fails surfaces here.
 */
final class EventPublisher {
    static final String REASON_HEADER = "mizani.dlq.reason";

    private final Producer<String, byte[]> producer;
    private final String eventTopic;
    private final String deadLetterTopic;
    private final String processor;

    EventPublisher(Producer<String, byte[]> producer, String eventTopic, String deadLetterTopic, String processor) {
        this.producer = producer;
        this.eventTopic = eventTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.processor = processor;
    }

    void publish(List<DecidedBatch.PendingEvent> events) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback callback = failureInto(failure);
        for (DecidedBatch.PendingEvent e : events) {
            producer.send(new ProducerRecord<>(eventTopic, e.key(), e.event().payload()), callback);
        }
        awaitAcks(failure);
    }

    /** Republishes stored events whose publication was never acknowledged; the key is the stream id without its prefix. */
    void republish(List<StoredEvent> events, String streamPrefix) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback callback = failureInto(failure);
        int prefixLength = streamPrefix.length() + 1;
        for (StoredEvent e : events) {
            producer.send(new ProducerRecord<>(eventTopic, e.streamId().substring(prefixLength), e.payload()), callback);
        }
        awaitAcks(failure);
    }

    void publishDeadLetters(List<DecidedBatch.DeadLetter> deadLetters) {
        if (deadLetters.isEmpty()) {
            return;
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback callback = failureInto(failure);
        for (DecidedBatch.DeadLetter d : deadLetters) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(REASON_HEADER, d.reason().getBytes(StandardCharsets.UTF_8));
            headers.add("mizani.dlq.processor", processor.getBytes(StandardCharsets.UTF_8));
            headers.add("mizani.dlq.source", (d.record().topic() + "/" + d.record().partition() + "/"
                    + d.record().offset()).getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(deadLetterTopic, null, d.record().key(), d.record().value(), headers),
                    callback);
        }
        awaitAcks(failure);
    }

    private static Callback failureInto(AtomicReference<Exception> failure) {
        return (metadata, exception) -> {
            if (exception != null) {
                failure.compareAndSet(null, exception);
            }
        };
    }

    private void awaitAcks(AtomicReference<Exception> failure) {
        producer.flush();
        if (failure.get() != null) {
            throw new KafkaException("publication failed: " + failure.get().getMessage(), failure.get());
        }
    }
}
