package dev.mizani.hub.simulation;

import dev.mizani.platform.commandloop.CommandStore;
import dev.mizani.platform.commandloop.FencedException;
import dev.mizani.platform.eventstore.DeadLetters;
import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.LoadedStream;
import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.eventstore.Snapshot;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.schemas.wire.AvroWireCodec;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One handler's PostgreSQL as the simulation sees it: durable tables in memory, with the same rules as the
 * real schema (a stream version is unique, an offset moves only from the value its writer expects) and the
 * faults of {@link SimFaults} at every call: a call that fails, a commit applied although the client is told
 * it failed, the database away, the process dying before or after a call. Committed state survives every
 * crash; a failed call changes nothing, except a commit whose outcome was lost.
 */
final class SimStore implements CommandStore {
    private final SimFaults faults;
    /** The handler's own table written with each batch (the transfers' expiry timers), as its index would. */
    private final Consumer<List<Object>> index;
    final List<StoredEvent> events = new ArrayList<>();
    /** The first event each derived command decided, by (source position, stream, command): derived_commands. */
    final Map<String, StoredEvent> keyed = new HashMap<>();
    final Map<String, List<StoredEvent>> streams = new LinkedHashMap<>();
    private final Map<String, Snapshot> snapshots = new HashMap<>();
    private final Map<TopicPartition, StoredOffset> offsets = new HashMap<>();
    private final Set<String> deadLetters = new HashSet<>();

    SimStore(SimFaults faults, Consumer<List<Object>> index) {
        this.faults = faults;
        this.index = index;
    }

    /** The stored offsets, as a handler would find them on taking over. */
    Map<TopicPartition, StoredOffset> offsets() {
        return Map.copyOf(offsets);
    }

    int deadLetterCount() {
        return deadLetters.size();
    }

    @Override
    public Session open() throws SQLException {
        faults.beforeStoreCall("connect");
        return new SimSession();
    }

    private final class SimSession implements Session {
        @Override
        public Map<String, LoadedStream> load(Collection<String> streamIds) throws SQLException {
            faults.beforeStoreCall("load");
            Map<String, LoadedStream> loaded = new LinkedHashMap<>();
            for (String id : streamIds) {
                Snapshot snapshot = snapshots.get(id);
                long from = snapshot == null ? 0 : snapshot.version();
                List<StoredEvent> tail = streams.getOrDefault(id, List.of()).stream()
                        .filter(e -> e.version() > from).toList();
                loaded.put(id, new LoadedStream(id, snapshot, tail));
            }
            return loaded;
        }

        @Override
        public List<StoredEvent> readStream(String streamId) throws SQLException {
            faults.beforeStoreCall("read stream");
            return List.copyOf(streams.getOrDefault(streamId, List.of()));
        }

        @Override
        public Map<String, List<StoredEvent>> causedBy(List<String> streamIds, List<String> commandIds,
                                                       List<Long> sourcePositions) throws SQLException {
            faults.beforeStoreCall("caused by");
            Map<String, List<StoredEvent>> caused = new LinkedHashMap<>();
            for (int i = 0; i < streamIds.size(); i++) {
                if (!PolicyCommand.isDerived(commandIds.get(i))) {
                    continue;
                }
                // as the store's lookup (EventStore#causedBy) on a store keyed from its first position: by the key
                // under the command's source position, or under none; no event precedes the keys, so none is found
                // by its causation
                StoredEvent first = keyed.get(keyOf(sourcePositions.get(i), streamIds.get(i), commandIds.get(i)));
                if (first != null) {
                    caused.computeIfAbsent(EventStore.commandKey(streamIds.get(i), commandIds.get(i)),
                            k -> new ArrayList<>()).add(first);
                }
            }
            return caused;
        }

        @Override
        public Map<TopicPartition, StoredOffset> readOffsets(Collection<TopicPartition> partitions) throws SQLException {
            faults.beforeStoreCall("read offsets");
            Map<TopicPartition, StoredOffset> stored = new HashMap<>();
            for (TopicPartition tp : partitions) {
                stored.put(tp, offsets.computeIfAbsent(tp, p -> new StoredOffset(FROM_BEGINNING, new long[0])));
            }
            return stored;
        }

        @Override
        public List<StoredEvent> readByPositions(long[] positions) throws SQLException {
            faults.beforeStoreCall("read by positions");
            List<StoredEvent> found = new ArrayList<>();
            for (long p : positions) {
                found.add(events.get((int) p - 1));
            }
            return found;
        }

        @Override
        public void advance(Map<TopicPartition, OffsetAdvance> advances) throws SQLException {
            faults.beforeStoreCall("advance offsets");
            checkOffsets(advances);
            advances.forEach((tp, a) -> offsets.put(tp, new StoredOffset(a.nextOffset(), a.unpublishedPositions())));
            faults.afterCommit();
        }

        @Override
        public long[] commit(BatchWrite batch) throws SQLException {
            faults.beforeStoreCall("commit");
            for (NewEvent e : batch.events()) {
                for (StoredEvent stored : streams.getOrDefault(e.streamId(), List.of())) {
                    if (stored.version() == e.version()) {
                        throw new FencedException("stream " + e.streamId() + " version " + e.version() + " is taken", null);
                    }
                }
            }
            long[] positions = new long[batch.events().size()];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = events.size() + 1 + i;
            }
            Map<TopicPartition, OffsetAdvance> advances = batch.advances(positions);
            checkOffsets(advances);
            for (int i = 0; i < positions.length; i++) {
                NewEvent e = batch.events().get(i);
                StoredEvent stored = new StoredEvent(positions[i], e.streamId(), e.version(), e.eventType(),
                        AvroWireCodec.schemaId(e.payload()), e.payload(), e.eventId(), e.correlationId(), e.causationId(),
                        e.recordedAt());
                events.add(stored);
                streams.computeIfAbsent(e.streamId(), s -> new ArrayList<>()).add(stored);
                for (NewEvent.DerivedCommand command : e.derivedCommands()) {
                    if (keyed.putIfAbsent(keyOf(command.sourcePosition(), e.streamId(), command.commandId()),
                            stored) != null) {
                        throw new IllegalStateException("command " + command + " of " + e.streamId() + " keyed twice");
                    }
                }
            }
            index.accept(batch.domainEvents());
            for (Snapshot s : batch.snapshots()) {
                Snapshot before = snapshots.get(s.streamId());
                if (before == null || before.version() < s.version()) {
                    snapshots.put(s.streamId(), s);
                }
            }
            for (DeadLetters.DeadLetter d : batch.deadLetters()) {
                deadLetters.add(d.record().topic() + "/" + d.record().partition() + "/" + d.record().offset());
            }
            advances.forEach((tp, a) -> offsets.put(tp, new StoredOffset(a.nextOffset(), a.unpublishedPositions())));
            faults.afterCommit();
            return positions;
        }

        private void checkOffsets(Map<TopicPartition, OffsetAdvance> advances) {
            advances.forEach((tp, a) -> {
                StoredOffset now = offsets.get(tp);
                if (now == null || now.nextOffset() != a.expectedOffset()) {
                    throw new FencedException("offset of " + tp + " is no longer " + a.expectedOffset(), null);
                }
            });
        }

        @Override
        public void close() {
        }
    }

    private static String keyOf(long sourcePosition, String streamId, String commandId) {
        return sourcePosition + "\u0000" + EventStore.commandKey(streamId, commandId);
    }
}
