package dev.mizani.platform.commandloop;

import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.domain.UndecidableCommandException;
import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.LoadedStream;
import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.eventstore.Snapshot;
import dev.mizani.platform.eventstore.StateBytes;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Turns a polled batch into a {@link DecidedBatch}: decode every record, load the aggregates not in the
 * cache with one query, then decide each command in order against the evolving in-memory state, so a
 * second command for the same aggregate in the same batch sees the first one's effect.
 */
final class BatchDecider<C, E, S> {
    /**
     * Events one pack holds at most: a participant's transfer fact is 80-250 bytes, so a full pack stays a tenth of
     * the broker's 1 MB record limit however large the batches are set.
     */
    static final int PACK_EVENTS_MAX = 256;

    private final String processor;
    private final Decider<C, E, S> decider;
    private final AggregateCodec<C, E, S> codec;
    private final int snapshotEvery;

    BatchDecider(String processor, Decider<C, E, S> decider, AggregateCodec<C, E, S> codec, int snapshotEvery) {
        this.processor = processor;
        this.decider = decider;
        this.codec = codec;
        this.snapshotEvery = snapshotEvery;
    }

    /**
     * One command of a record: the record's only one, or the {@code packed}th of a policy's pack.
     *
     * @param sourcePosition the store position of the event a derived command came from, as its policy named it:
     *                       on the pack, or on the record's header
     */
    private record Decoded<C>(TopicPartition source, ConsumerRecord<String, byte[]> record, int packed,
                              AggregateCodec.DecodedCommand<C> command, String streamId, long sourcePosition) {}

    /**
     * The batch before this one, decided and handed over but perhaps not committed yet: what it wrote is in the
     * cache, not yet in the store. Before reading from the store a stream it wrote (one the cache no longer holds) or
     * whether a command it applied was applied, the batch waits for that commit.
     */
    interface Uncommitted {
        Uncommitted NONE = new Uncommitted() {
            @Override
            public boolean wrote(String streamId) {
                return false;
            }

            @Override
            public boolean applied(String commandKey) {
                return false;
            }

            @Override
            public void await() {
            }
        };

        boolean wrote(String streamId);

        /** Whether it decided this command ({@link EventStore#commandKey}). */
        boolean applied(String commandKey);

        /** Waits for its commit; throws if it failed (the batch in hand is then rewound with it). */
        void await() throws SQLException;
    }

    /**
     * @param storedOffsets the committed position of each partition: a record below it was applied
     *                      already (a redelivery) and is skipped, never decided twice
     * @param uncommitted   the batch before, if it may not be committed yet
     */
    DecidedBatch<S> decide(CommandStore.Session c, ConsumerRecords<String, byte[]> records, AggregateCache<S> cache,
                           Map<TopicPartition, Long> storedOffsets, Instant hubTime, Uncommitted uncommitted)
            throws SQLException {
        List<Decoded<C>> decoded = new ArrayList<>(records.count());
        List<DecidedBatch.DeadLetter> dead = new ArrayList<>();
        Map<TopicPartition, Long> nextOffsets = new HashMap<>();
        int skipped = 0;
        int commandCount = 0; // a pack counts its commands, a dead letter one
        for (TopicPartition tp : records.partitions()) {
            long applied = storedOffsets.getOrDefault(tp, ProcessorOffsets.FROM_BEGINNING);
            for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                if (r.offset() < applied) {
                    skipped++;
                    continue;
                }
                nextOffsets.put(tp, r.offset() + 1);
                commandCount++;
                if (r.key() == null || r.key().isEmpty()) {
                    dead.add(new DecidedBatch.DeadLetter(r, "record has no key; the key is the aggregate id"));
                    continue;
                }
                try {
                    List<AggregateCodec.DecodedCommand<C>> commands = codec.decodeCommands(r.key(), r.value(), hubTime);
                    String streamId = codec.streamPrefix() + "-" + r.key();
                    commandCount += commands.size() - 1;
                    for (int i = 0; i < commands.size(); i++) {
                        AggregateCodec.DecodedCommand<C> command = commands.get(i);
                        long source = command.sourcePosition() != EventPositions.NONE ? command.sourcePosition()
                                : EventPositions.of(r.headers(), EventPositions.SOURCE_HEADER);
                        decoded.add(new Decoded<>(tp, r, i, command, streamId, source));
                    }
                } catch (RegistryUnavailableException e) {
                    throw e; // the whole batch is read again once the registry answers
                } catch (RuntimeException e) {
                    dead.add(new DecidedBatch.DeadLetter(r, "cannot decode command: " + e.getMessage()));
                }
            }
        }
        Map<String, AggregateCache.Cached<S>> working = load(c, decoded, cache, uncommitted);
        Map<String, List<StoredEvent>> applied = alreadyApplied(c, decoded, uncommitted);
        Set<String> seenInBatch = new HashSet<>();
        List<StoredEvent> reEmitted = new ArrayList<>();
        int repeated = 0;
        List<Draft> drafts = new ArrayList<>();
        Map<String, Draft> packing = new HashMap<>(); // a stream's last draft, while it may take more packable events
        for (Decoded<C> d : decoded) {
            String commandKey = EventStore.commandKey(d.streamId(), d.command().commandId());
            if (!seenInBatch.add(commandKey)) {
                // A second copy in this batch: the first one's outcome (decided now, or stored) goes out once.
                repeated++;
                continue;
            }
            List<StoredEvent> before = applied.get(commandKey);
            if (before != null) {
                // Applied by an earlier batch: nothing is decided, and the events it caused alone go out again. A
                // packed event is not: it states other commands' outcomes too, and publishing it for each repeat
                // made every fact in it a repeat downstream (a pack of hundreds, re-emitted by every batch holding
                // one of its commands again, became hundreds of thousands of commands). Its publication marks got
                // it to the broker once, as they do every committed event.
                for (StoredEvent e : before) {
                    if (d.command().commandId().equals(e.causationId())) {
                        reEmitted.add(e);
                    }
                }
                repeated++;
                continue;
            }
            AggregateCache.Cached<S> entry = working.get(d.streamId());
            List<E> decided;
            try {
                decided = decider.decide(d.command().command(), entry.state());
            } catch (UndecidableCommandException e) {
                // a pack goes to the dead letters whole, its reason naming the command (the others are decided)
                dead.add(new DecidedBatch.DeadLetter(d.record(), "undecidable command " + d.command().commandId()
                        + ": " + e.getMessage()));
                continue;
            }
            S state = entry.state();
            long version = entry.version();
            for (int i = 0; i < decided.size(); i++) {
                E event = decided.get(i);
                Draft open = packing.get(d.streamId());
                if (open != null && codec.packable(event) && open.source.equals(d.source())
                        && open.events.size() < PACK_EVENTS_MAX) {
                    open.add(event, d, i == 0);
                } else {
                    version++;
                    // a command is keyed beside the first event it decided: one key finds all it did
                    Draft draft = new Draft(d, i, version, event, i == 0);
                    drafts.add(draft);
                    if (codec.packable(event)) {
                        packing.put(d.streamId(), draft);
                    } else {
                        packing.remove(d.streamId());
                    }
                }
                state = decider.evolve(state, event);
            }
            working.put(d.streamId(), new AggregateCache.Cached<>(state, version, entry.snapshotVersion(),
                    entry.tailBytes(), entry.snapshotBytes()));
        }
        List<DecidedBatch.PendingEvent> events = new ArrayList<>(drafts.size());
        Map<String, Long> tailGrowth = new HashMap<>();
        for (Draft draft : drafts) {
            DecidedBatch.PendingEvent pending = draft.pending(hubTime);
            events.add(pending);
            tailGrowth.merge(pending.event().streamId(), (long) pending.event().payload().length, Long::sum);
        }
        tailGrowth.forEach((stream, bytes) -> working.computeIfPresent(stream, (k, e) -> new AggregateCache.Cached<>(
                e.state(), e.version(), e.snapshotVersion(), e.tailBytes() + bytes, e.snapshotBytes())));
        List<Snapshot> snapshots = new ArrayList<>();
        for (Map.Entry<String, AggregateCache.Cached<S>> e : working.entrySet()) {
            AggregateCache.Cached<S> entry = e.getValue();
            if (snapshotDue(entry)) {
                byte[] state = codec.encodeState(entry.state());
                snapshots.add(new Snapshot(e.getKey(), entry.version(), state));
                e.setValue(new AggregateCache.Cached<>(entry.state(), entry.version(), entry.version(), 0, state.length));
            }
        }
        return new DecidedBatch<>(events, snapshots, dead, nextOffsets, working, reEmitted, seenInBatch,
                commandCount, skipped, repeated);
    }

    /**
     * A snapshot is due after {@code snapshotEvery} events, and not before the events since the last one weigh as
     * much as it did. A state that grows with the traffic (a payer's reservations in flight, thousands of them once a
     * backlog forms) is so rewritten in proportion to the events it takes, not in full every {@code snapshotEvery}
     * events, and a load replays at most about one snapshot's worth of events after it.
     */
    private boolean snapshotDue(AggregateCache.Cached<S> entry) {
        return entry.version() - entry.snapshotVersion() >= snapshotEvery && entry.tailBytes() >= entry.snapshotBytes();
    }

    /**
     * Commands of this batch that an earlier batch already applied, with the events they caused. Only
     * derived commands can repeat by id (see {@link PolicyCommand}); others are not looked up, nor any where the
     * codec's decider recognises repeats itself ({@link AggregateCodec#looksUpRepeats}).
     */
    private Map<String, List<StoredEvent>> alreadyApplied(CommandStore.Session c, List<Decoded<C>> decoded,
                                                          Uncommitted uncommitted) throws SQLException {
        if (!codec.looksUpRepeats()) {
            return Map.of();
        }
        List<String> streams = new ArrayList<>(decoded.size());
        List<String> commandIds = new ArrayList<>(decoded.size());
        List<Long> sources = new ArrayList<>(decoded.size());
        boolean appliedBefore = false;
        for (Decoded<C> d : decoded) {
            if (PolicyCommand.isDerived(d.command().commandId())) {
                streams.add(d.streamId());
                commandIds.add(d.command().commandId());
                sources.add(d.sourcePosition());
                appliedBefore |= uncommitted.applied(EventStore.commandKey(d.streamId(), d.command().commandId()));
            }
        }
        if (appliedBefore) {
            uncommitted.await(); // a repeat of a command the batch before applied: found only once that is committed
        }
        return c.causedBy(streams, commandIds, sources);
    }

    /** Current state of every aggregate the batch touches: from the cache, else snapshot + tail in one query. */
    private Map<String, AggregateCache.Cached<S>> load(CommandStore.Session c, List<Decoded<C>> decoded,
                                                       AggregateCache<S> cache, Uncommitted uncommitted)
            throws SQLException {
        Map<String, AggregateCache.Cached<S>> working = new HashMap<>();
        Set<String> missing = new LinkedHashSet<>();
        boolean writtenBefore = false;
        for (Decoded<C> d : decoded) {
            AggregateCache.Cached<S> cached = cache.get(d.streamId());
            if (cached != null) {
                working.put(d.streamId(), cached);
            } else if (missing.add(d.streamId())) {
                writtenBefore |= uncommitted.wrote(d.streamId());
            }
        }
        if (writtenBefore) {
            uncommitted.await(); // evicted from the cache before its latest version was stored
        }
        if (!missing.isEmpty()) {
            for (LoadedStream loaded : c.load(missing).values()) {
                working.put(loaded.streamId(), rebuild(c, loaded));
            }
        }
        return working;
    }

    AggregateCache.Cached<S> rebuild(CommandStore.Session c, LoadedStream loaded) throws SQLException {
        S state = decider.initialState();
        if (loaded.snapshot() != null) {
            try {
                state = codec.decodeState(loaded.snapshot().state());
            } catch (StateBytes.FormatMismatch e) {
                // Written by an older state format: ignore the snapshot and replay the whole stream.
                return rebuild(c, new LoadedStream(loaded.streamId(), null, c.readStream(loaded.streamId())));
            }
        }
        long version = loaded.snapshot() == null ? 0 : loaded.snapshot().version();
        long tailBytes = 0;
        for (StoredEvent e : loaded.tail()) {
            if (e.version() != version + 1) {
                throw new IllegalStateException("stream " + loaded.streamId() + " jumps from version " + version
                        + " to " + e.version());
            }
            state = decider.evolve(state, codec.decodeEvent(e.payload()));
            version = e.version();
            tailBytes += e.payload().length;
        }
        Snapshot snapshot = loaded.snapshot();
        return new AggregateCache.Cached<>(state, version, snapshot == null ? 0 : snapshot.version(), tailBytes,
                snapshot == null ? 0 : snapshot.state().length);
    }

    /**
     * A stream version the batch will append: one command's event, or the {@link AggregateCodec#packable} events
     * of several commands of the stream (from one input partition) packed into one. The first command stamps it:
     * its record and index give the event's id, its correlation the event's; a pack's causation is null. Each
     * derived command whose first event it holds is keyed beside it ({@link NewEvent#derivedCommands}), where the
     * codec has the loop look repeats up.
     */
    private final class Draft {
        final TopicPartition source;
        final ConsumerRecord<String, byte[]> record;
        final int packed;
        final int index;
        final String streamId;
        final long version;
        final String correlationId;
        final List<E> events = new ArrayList<>();
        final String firstCommand;
        final Map<String, Long> keyed = new LinkedHashMap<>(); // the commands keyed beside it, with source positions

        Draft(Decoded<C> d, int index, long version, E event, boolean keyed) {
            this.source = d.source();
            this.record = d.record();
            this.packed = d.packed();
            this.index = index;
            this.streamId = d.streamId();
            this.version = version;
            this.correlationId = d.command().correlationId();
            this.firstCommand = d.command().commandId();
            events.add(event);
            if (keyed) {
                key(d);
            }
        }

        void add(E event, Decoded<C> d, boolean keyed) {
            events.add(event);
            if (keyed) {
                key(d);
            }
        }

        private void key(Decoded<C> d) {
            if (codec.looksUpRepeats() && PolicyCommand.isDerived(d.command().commandId())) {
                keyed.putIfAbsent(d.command().commandId(), d.sourcePosition());
            }
        }

        DecidedBatch.PendingEvent pending(Instant hubTime) {
            E event;
            String causation;
            if (events.size() == 1) {
                event = events.getFirst();
                causation = firstCommand;
            } else {
                event = codec.pack(record.key(), events);
                causation = null;
            }
            List<NewEvent.DerivedCommand> commands = new ArrayList<>(keyed.size());
            keyed.forEach((id, source) -> commands.add(new NewEvent.DerivedCommand(id, source)));
            AggregateCodec.EventStamp stamp = new AggregateCodec.EventStamp(eventId(record, packed, index), streamId, version,
                    correlationId, causation, hubTime);
            NewEvent stored = new NewEvent(streamId, version, codec.eventType(event), codec.encodeEvent(event, stamp),
                    stamp.eventId(), correlationId, causation, hubTime, commands);
            return new DecidedBatch.PendingEvent(source, record.key(), stored, event);
        }
    }

    /**
     * Same record, same command in it, same index, same id: a redelivered command's events are recognisable
     * downstream. A record's first command names its events as a record of one command always did.
     */
    private UUID eventId(ConsumerRecord<String, byte[]> r, int packed, int index) {
        String name = processor + '/' + r.topic() + '/' + r.partition() + '/' + r.offset() + '/'
                + (packed == 0 ? "" : packed + "/") + index;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }
}
