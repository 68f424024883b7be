package dev.mizani.hub.simulation;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A reader of a simulated topic that keeps up at its own pace: a view that trails its stream (the payee
 * directory, the gateway's participants view, the callback notifier), or a policy. Its position is kept in
 * memory; {@link #rewindTo} puts it back (a view rebuilt after a restart reads from the start; an at-least-once
 * policy goes back to its last commit).
 */
final class SimFollower {
    private final SimTopic topic;
    private final Consumer<ConsumerRecord<String, byte[]>> apply;
    private final Map<Integer, Long> position = new HashMap<>();

    SimFollower(SimTopic topic, Consumer<ConsumerRecord<String, byte[]>> apply) {
        this.topic = topic;
        this.apply = apply;
    }

    /** Reads up to {@code max} records, from partitions in a random order. */
    void step(int max, java.util.Random random) {
        int first = random.nextInt(topic.partitionCount());
        for (int i = 0; i < topic.partitionCount() && max > 0; i++) {
            int p = (first + i) % topic.partitionCount();
            long at = position.getOrDefault(p, 0L);
            ConsumerRecord<String, byte[]> r;
            while (max > 0 && (r = topic.at(p, at)) != null) {
                apply.accept(r);
                position.put(p, ++at);
                max--;
            }
        }
    }

    Map<Integer, Long> position() {
        return Map.copyOf(position);
    }

    void rewindTo(Map<Integer, Long> to) {
        position.clear();
        position.putAll(to);
    }

    boolean atEnd() {
        for (int p = 0; p < topic.partitionCount(); p++) {
            if (position.getOrDefault(p, 0L) < topic.endOffset(p)) {
                return false;
            }
        }
        return true;
    }
}
