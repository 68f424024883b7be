package dev.mizani.platform.commandloop;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Where the command loop's events and dead letters go: an idempotent Kafka producer in production
 * ({@link KafkaEventSink}), a simulated topic in the seeded simulation.
 */
public interface EventSink extends AutoCloseable {
    /**
     * Hands every record to the producer and returns without waiting for the broker. The records of one sink
     * reach their partitions in the order they were sent, across calls.
     */
    Publication send(List<ProducerRecord<String, byte[]>> records);

    /** Sends every record and returns once the broker acknowledged all of them (see {@link Publication#await}). */
    default void sendAll(List<ProducerRecord<String, byte[]>> records) {
        send(records).await();
    }

    @Override
    void close();

    /** Records handed to the producer, not yet known to be acknowledged. */
    interface Publication {
        /**
         * Returns once the broker acknowledged every record; throws {@link org.apache.kafka.common.KafkaException}
         * if any failed, in which case some may have been written. Either way no record of it is sent after this
         * returns or throws.
         */
        void await();
    }
}
