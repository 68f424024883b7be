package dev.mizani.hub.simulation;

import dev.mizani.hub.simulation.SimHandler.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One topic as the simulation sees it: order kept per key (a partition), none across keys; a record
 * may arrive twice; a consumer that crashes before committing gets the record again, first in line.
 */
final class SimBus {
    private final Map<String, Deque<Message>> byKey = new LinkedHashMap<>();
    private final Random random;
    private final double duplicateRate;
    private int size;

    SimBus(Random random, double duplicateRate) {
        this.random = random;
        this.duplicateRate = duplicateRate;
    }

    void send(Message m) {
        append(m);
        if (random.nextDouble() < duplicateRate) {
            append(m);
        }
    }

    private void append(Message m) {
        byKey.computeIfAbsent(m.key(), k -> new ArrayDeque<>()).addLast(m);
        size++;
    }

    /** The head of a random key's queue, or null when empty. */
    Message take() {
        if (size == 0) {
            return null;
        }
        List<String> keys = new ArrayList<>(byKey.keySet());
        String key = keys.get(random.nextInt(keys.size()));
        Deque<Message> queue = byKey.get(key);
        Message m = queue.pollFirst();
        if (queue.isEmpty()) {
            byKey.remove(key);
        }
        size--;
        return m;
    }

    /** Not committed: delivered again before anything behind it on its key. */
    void redeliver(Message m) {
        byKey.computeIfAbsent(m.key(), k -> new ArrayDeque<>()).addFirst(m);
        size++;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
