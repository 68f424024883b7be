package dev.mizani.platform.commandloop;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Aggregates the processor owns, kept between batches so a hot account is loaded from the store once.
 * Bounded: the least recently used entry leaves when {@code sizeMax} is passed. Single-threaded, like
 * the processor loop that owns it; cleared whenever partitions move, since another instance may write.
 */
final class AggregateCache<S> {
    /**
     * @param snapshotVersion the version of the newest stored snapshot (0: none), to know when the next is due
     * @param tailBytes       the payload bytes of the events stored after it
     * @param snapshotBytes   its size (0: none)
     */
    record Cached<S>(S state, long version, long snapshotVersion, long tailBytes, int snapshotBytes) {}

    private final LinkedHashMap<String, Cached<S>> entries;

    AggregateCache(int sizeMax) {
        this.entries = new LinkedHashMap<>(Math.min(sizeMax, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached<S>> eldest) {
                return size() > sizeMax;
            }
        };
    }

    Cached<S> get(String streamId) {
        return entries.get(streamId);
    }

    void put(String streamId, Cached<S> entry) {
        entries.put(streamId, entry);
    }

    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }
}
