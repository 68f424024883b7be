package dev.mizani.platform.commandloop;

import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.LoadedStream;
import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.eventstore.Snapshot;
import dev.mizani.platform.eventstore.StoredEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The store calls a batch decision makes, in memory, for pure tests of {@link BatchDecider}: streams with their
 * snapshots, and the lookup of applied derived commands by their keys, as {@link EventStore#causedBy} finds them
 * in a store keyed from its first position. Batches are applied with {@link #commit(DecidedBatch)}, as the loop's
 * commit would apply them; nothing else is used.
 */
final class MemorySession implements CommandStore.Session {
    private final List<StoredEvent> events = new ArrayList<>();
    private final Map<String, Snapshot> snapshots = new HashMap<>();
    private final Map<String, StoredEvent> keyed = new HashMap<>();

    void commit(DecidedBatch<?> batch) {
        for (DecidedBatch.PendingEvent p : batch.events()) {
            NewEvent e = p.event();
            StoredEvent stored = new StoredEvent(events.size() + 1, e.streamId(), e.version(), e.eventType(), 0,
                    e.payload(), e.eventId(), e.correlationId(), e.causationId(), e.recordedAt());
            events.add(stored);
            e.derivedCommands().forEach(c -> {
                if (keyed.putIfAbsent(keyOf(c.sourcePosition(), e.streamId(), c.commandId()), stored) != null) {
                    throw new IllegalStateException(c + " of " + e.streamId() + " keyed twice");
                }
            });
        }
        batch.snapshots().forEach(s -> snapshots.put(s.streamId(), s));
    }

    @Override
    public Map<String, LoadedStream> load(Collection<String> streamIds) {
        Map<String, LoadedStream> loaded = new HashMap<>();
        for (String id : streamIds) {
            Snapshot snapshot = snapshots.get(id);
            long after = snapshot == null ? 0 : snapshot.version();
            loaded.put(id, new LoadedStream(id, snapshot, events.stream()
                    .filter(e -> e.streamId().equals(id) && e.version() > after).toList()));
        }
        return loaded;
    }

    @Override
    public List<StoredEvent> readStream(String streamId) {
        return events.stream().filter(e -> e.streamId().equals(streamId)).toList();
    }

    @Override
    public Map<String, List<StoredEvent>> causedBy(List<String> streamIds, List<String> commandIds,
                                                   List<Long> sourcePositions) {
        Map<String, List<StoredEvent>> caused = new HashMap<>();
        for (int i = 0; i < streamIds.size(); i++) {
            StoredEvent first = keyed.get(keyOf(sourcePositions.get(i), streamIds.get(i), commandIds.get(i)));
            if (first != null) {
                caused.computeIfAbsent(EventStore.commandKey(streamIds.get(i), commandIds.get(i)),
                        k -> new ArrayList<>()).add(first);
            }
        }
        return caused;
    }

    private static String keyOf(long sourcePosition, String streamId, String commandId) {
        return sourcePosition + "\u0000" + EventStore.commandKey(streamId, commandId);
    }

    @Override
    public Map<TopicPartition, CommandStore.StoredOffset> readOffsets(Collection<TopicPartition> partitions) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<StoredEvent> readByPositions(long[] positions) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void advance(Map<TopicPartition, CommandStore.OffsetAdvance> advances) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long[] commit(CommandStore.BatchWrite batch) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
