package dev.mizani.platform.commandloop;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Where the command loop's events and dead letters go: an idempotent Kafka producer in production
 * ({@link KafkaEventSink}), a simulated topic in the seeded simulation.
 */
public interface EventSink extends AutoCloseable {
    /**
     * Sends every record and returns once the broker acknowledged all of them; throws
     * {@link org.apache.kafka.common.KafkaException} if any failed, in which case some may have been written.
     */
    void sendAll(List<ProducerRecord<String, byte[]>> records);

    @Override
    void close();
}
