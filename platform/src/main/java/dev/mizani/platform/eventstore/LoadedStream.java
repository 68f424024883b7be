package dev.mizani.platform.eventstore;

import java.util.List;

/**
 * What rebuilding a stream needs: its latest snapshot (null if none) and the events after it, in
 * version order. {@link #version()} is the version the rebuilt state will be at.
 */
public record LoadedStream(String streamId, Snapshot snapshot, List<StoredEvent> tail) {

    public long version() {
        if (!tail.isEmpty()) {
            return tail.getLast().version();
        }
        return snapshot == null ? 0 : snapshot.version();
    }
}
