package dev.mizani.hub.simulation;

import dev.mizani.platform.commandloop.EventSink;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * A handler's producer on the simulated topics. A send may fail with the broker away, or after writing part of
 * its records (their acknowledgement lost), and the process may die before or after it. As with Kafka, the
 * records of a send may land at once, while the loop works on, or only by the time it waits for them: the seeded
 * random picks which, so a crash between the send and the wait finds them written or not.
 */
final class SimSink implements EventSink {
    private final Map<String, SimTopic> topics;
    private final SimFaults faults;

    SimSink(Map<String, SimTopic> topics, SimFaults faults) {
        this.topics = topics;
        this.faults = faults;
    }

    @Override
    public Publication send(List<ProducerRecord<String, byte[]>> records) {
        faults.crashMaybe("before publish");
        if (!faults.random.nextBoolean()) {
            return () -> {
                write(records);
                faults.afterSend();
            };
        }
        KafkaException failure = null;
        try {
            write(records);
        } catch (KafkaException e) {
            failure = e;
        }
        KafkaException failed = failure;
        return () -> {
            if (failed != null) {
                throw failed;
            }
            faults.afterSend();
        };
    }

    private void write(List<ProducerRecord<String, byte[]>> records) {
        faults.beforeSend();
        for (ProducerRecord<String, byte[]> r : records) {
            if (faults.sendFailsHere()) {
                throw new KafkaException("simulated: send to " + r.topic() + " not acknowledged");
            }
            topics.get(r.topic()).append(r.key() == null ? "" : r.key(), r.value(), r.headers());
        }
    }

    @Override
    public void close() {
    }
}
