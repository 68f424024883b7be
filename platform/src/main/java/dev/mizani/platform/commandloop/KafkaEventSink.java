package dev.mizani.platform.commandloop;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * The loop's events through an idempotent {@link KafkaProducer}: its own retries never duplicate or reorder; a
 * send that still fails surfaces from {@link Publication#await}.
 */
public final class KafkaEventSink implements EventSink {
    private final KafkaProducer<String, byte[]> producer;

    public KafkaEventSink(Map<String, Object> producerSettings) {
        this.producer = new KafkaProducer<>(producerSettings);
    }

    @Override
    public Publication send(List<ProducerRecord<String, byte[]>> records) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        for (ProducerRecord<String, byte[]> r : records) {
            producer.send(r, (metadata, exception) -> {
                if (exception != null) {
                    failure.compareAndSet(null, exception);
                }
            });
        }
        return () -> {
            // Completes every send of this producer so far, this publication's included, successful or not.
            producer.flush();
            if (failure.get() != null) {
                throw new KafkaException("publication failed: " + failure.get().getMessage(), failure.get());
            }
        };
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
