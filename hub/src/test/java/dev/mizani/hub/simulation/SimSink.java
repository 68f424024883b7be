package dev.mizani.hub.simulation;

import dev.mizani.platform.commandloop.EventSink;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * A handler's producer on the simulated topics. A send may fail with the broker away, or after writing part of
 * its records (their acknowledgement lost), and the process may die before or after it.
 */
final class SimSink implements EventSink {
    private final Map<String, SimTopic> topics;
    private final SimFaults faults;

    SimSink(Map<String, SimTopic> topics, SimFaults faults) {
        this.topics = topics;
        this.faults = faults;
    }

    @Override
    public void sendAll(List<ProducerRecord<String, byte[]>> records) {
        faults.beforeSend();
        for (ProducerRecord<String, byte[]> r : records) {
            if (faults.sendFailsHere()) {
                throw new KafkaException("simulated: send to " + r.topic() + " not acknowledged");
            }
            topics.get(r.topic()).append(r.key() == null ? "" : r.key(), r.value());
        }
        faults.afterSend();
    }

    @Override
    public void close() {
    }
}
