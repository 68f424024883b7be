package dev.mizani.platform.commandloop;

import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.eventstore.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Turns a batch's events and dead letters into records for the sink. */
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

    /**
     * Hands a batch's new events, then the stored events it re-emits, to the sink without waiting for the broker;
     * the loop awaits the publication before it commits the next batch.
     */
    EventSink.Publication publish(List<DecidedBatch.PendingEvent> events, long[] positions,
                                  List<StoredEvent> reEmitted, String streamPrefix) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size() + reEmitted.size());
        for (int i = 0; i < events.size(); i++) {
            DecidedBatch.PendingEvent e = events.get(i);
            records.add(new ProducerRecord<>(eventTopic, null, e.key(), e.event().payload(), positioned(positions[i])));
        }
        addStored(records, reEmitted, streamPrefix);
        return sink.send(records);
    }

    /** Republishes stored events whose publication was never acknowledged, and waits for the acknowledgements. */
    void republish(List<StoredEvent> events, String streamPrefix) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
        addStored(records, events, streamPrefix);
        sink.sendAll(records);
    }

    /** A stored event's record; its key is the stream id without its prefix. */
    private void addStored(List<ProducerRecord<String, byte[]>> records, List<StoredEvent> events, String streamPrefix) {
        int prefixLength = streamPrefix.length() + 1;
        for (StoredEvent e : events) {
            records.add(new ProducerRecord<>(eventTopic, null, e.streamId().substring(prefixLength), e.payload(),
                    positioned(e.globalPosition())));
        }
    }

    /** The header naming an event's store position, which stays the same however often the event is published. */
    static RecordHeaders positioned(long position) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(EventPositions.POSITION_HEADER, EventPositions.bytes(position));
        return headers;
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
