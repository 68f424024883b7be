package dev.mizani.platform.commandloop;

import dev.mizani.platform.eventstore.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Turns a batch's events and dead letters into records and waits until the sink has them all acknowledged. */
final class EventPublisher {
    static final String REASON_HEADER = "mizani.dlq.reason";

    private final EventSink sink;
    private final String eventTopic;
    private final String deadLetterTopic;
    private final String processor;

    EventPublisher(EventSink sink, String eventTopic, String deadLetterTopic, String processor) {
        this.sink = sink;
        this.eventTopic = eventTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.processor = processor;
    }

    void publish(List<DecidedBatch.PendingEvent> events) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
        for (DecidedBatch.PendingEvent e : events) {
            records.add(new ProducerRecord<>(eventTopic, e.key(), e.event().payload()));
        }
        sink.sendAll(records);
    }

    /** Republishes stored events whose publication was never acknowledged; the key is the stream id without its prefix. */
    void republish(List<StoredEvent> events, String streamPrefix) {
        int prefixLength = streamPrefix.length() + 1;
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
        for (StoredEvent e : events) {
            records.add(new ProducerRecord<>(eventTopic, e.streamId().substring(prefixLength), e.payload()));
        }
        sink.sendAll(records);
    }

    void publishDeadLetters(List<DecidedBatch.DeadLetter> deadLetters) {
        if (deadLetters.isEmpty()) {
            return;
        }
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(deadLetters.size());
        for (DecidedBatch.DeadLetter d : deadLetters) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(REASON_HEADER, d.reason().getBytes(StandardCharsets.UTF_8));
            headers.add("mizani.dlq.processor", processor.getBytes(StandardCharsets.UTF_8));
            headers.add("mizani.dlq.source", (d.record().topic() + "/" + d.record().partition() + "/"
                    + d.record().offset()).getBytes(StandardCharsets.UTF_8));
            records.add(new ProducerRecord<>(deadLetterTopic, null, d.record().key(), d.record().value(), headers));
        }
        sink.sendAll(records);
    }
}
