package dev.mizani.platform.commandloop;

import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.eventstore.DeadLetters;
import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.eventstore.StoredEvent;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command loop itself, on its three ports ({@link CommandSource}, {@link CommandStore}, {@link EventSink}):
 * each {@link #turn} polls a bounded batch and decides it in memory ({@link BatchDecider}); the {@link CommitStage}
 * then commits its events, snapshots, dead letters and offsets in one store transaction and hands the events to the
 * producer, while the loop polls and decides the next batch against the state the last one left in the cache. The
 * loop waits for that commit before it hands the next batch over, and reads nothing from the store that the batch
 * in commit wrote until it is committed ({@link BatchDecider.Uncommitted}). The broker acknowledges a batch's
 * events while the next is polled and decided; the stage waits for those acknowledgements before it commits that
 * batch, and the loop before it clears publication marks and before it gives partitions up. Driven from outside:
 * {@link CommandProcessor} turns it on a thread with retries and commits on a second thread; the seeded simulation
 * turns it step by step on in-memory ports that fail at any call, each commit run when the loop awaits it.
 *
 * <p>Exactly-once effects rest on three rules. The store's offsets, written with the effects, say which records
 * were applied: a record below its partition's stored offset is skipped. A derived command an aggregate already
 * applied, however late it comes back, is not decided again; its stored events are published again. Events
 * committed but not acknowledged are listed with the offsets and republished on every take-over. A batch's commit
 * replaces the marks its partitions' previous batch left, so that batch must be acknowledged first.
 */
public final class CommandLoop<C, E, S> {
    private static final Logger log = LoggerFactory.getLogger(CommandLoop.class);

    private final ProcessorSettings settings;
    private final ProcessorMetrics metrics;
    private final AggregateCodec<C, E, S> codec;
    private final CommandStore store;
    private final CommandSource source;
    private final EventPublisher publisher;
    private final Clock clock;
    private final ProcessorHooks hooks;
    private final BatchDecider<C, E, S> batchDecider;
    private final AggregateCache<S> cache;
    private final CommitStage stage;
    private final Map<TopicPartition, Long> storedOffsets = new HashMap<>();
    private final Set<TopicPartition> listedUnpublished = new HashSet<>();
    private boolean rewindDue;
    /** The batch handed to the commit stage and not yet known to be committed, or null. */
    private Handover<S> pending;
    /** The last committed batch's events, handed to the producer and perhaps not yet acknowledged. */
    private EventSink.Publication inFlight;

    private record Handover<S>(DecidedBatch<S> batch, CommitStage.Handle<EventSink.Publication> committed) {}
    final AtomicLong batches = new AtomicLong();
    final AtomicLong commands = new AtomicLong();
    final AtomicLong events = new AtomicLong();
    final AtomicLong deadLetters = new AtomicLong();
    final AtomicLong republished = new AtomicLong();
    final AtomicLong redeliveredSkipped = new AtomicLong();
    final AtomicLong repeatedCommands = new AtomicLong();

    public CommandLoop(ProcessorSettings settings, Decider<C, E, S> decider, AggregateCodec<C, E, S> codec,
                       CommandStore store, CommandSource source, EventSink sink, Clock clock, ProcessorHooks hooks,
                       ProcessorMetrics metrics, CommitStage stage) {
        this.settings = settings;
        this.stage = stage;
        this.metrics = metrics;
        this.codec = codec;
        this.store = store;
        this.source = source;
        this.clock = clock;
        this.hooks = hooks;
        this.batchDecider = new BatchDecider<>(settings.name(), decider, codec, settings.snapshotEvery());
        this.publisher = new EventPublisher(sink, settings.eventTopic(), settings.deadLetterTopic(), settings.name());
        this.cache = new AggregateCache<>(settings.cacheSizeMax());
    }

    /** Joins the command topic's group, or owns {@code manualPartitions} of it (null: join the group). */
    public void start(List<Integer> manualPartitions) throws SQLException {
        if (manualPartitions == null) {
            source.subscribe(settings.commandTopic(), new Rebalance());
            return;
        }
        List<TopicPartition> parts = manualPartitions.stream()
                .map(p -> new TopicPartition(settings.commandTopic(), p)).toList();
        source.assign(parts);
        takeOver(parts);
    }

    /**
     * One poll and the batch it brought; when idle, clears the publication marks of acknowledged batches. After a
     * turn that threw, the next one first rewinds: it forgets every cached aggregate and takes over the owned
     * partitions again, so it starts from what the store holds (a commit whose outcome was unknown included) and
     * seeks back to the first record not applied. Until a rewind succeeds, no record is decided.
     */
    public void turn() throws SQLException {
        try {
            if (rewindDue) {
                metrics.rewound.inc();
                abandonPending();
                abandonPublication();
                cache.clear();
                takeOver(source.assignment());
                rewindDue = false;
            }
            long polledFrom = System.nanoTime();
            ConsumerRecords<String, byte[]> records = source.poll(settings.pollTimeout());
            if (records.isEmpty()) {
                settlePublication();
                clearPublishedMarks();
                return;
            }
            metrics.poll.observeNanos(System.nanoTime() - polledFrom);
            metrics.batchCommands.observe(records.count());
            process(records);
        } catch (SQLException | RuntimeException e) {
            rewindDue = true;
            throw e;
        }
    }

    /** Seeks back to consume again from these offsets; what was applied is recognised by offset and skipped. */
    public void seek(Map<TopicPartition, Long> offsets) {
        offsets.forEach(source::seek);
    }

    public CommandProcessor.Stats stats() {
        return new CommandProcessor.Stats(batches.get(), commands.get(), events.get(), deadLetters.get(),
                republished.get(), redeliveredSkipped.get(), repeatedCommands.get());
    }

    int cachedAggregates() {
        return cache.size();
    }

    /**
     * Decides the batch while the one before commits, waits for that commit, and hands this one to the stage. The
     * state it leaves goes into the cache at once, for the next batch to decide on; if its commit fails, the rewind
     * forgets the cache.
     */
    private void process(ConsumerRecords<String, byte[]> records) throws SQLException {
        long startedAt = System.nanoTime();
        CommandStore.Session session = store.open();
        DecidedBatch<S> batch;
        try {
            batch = batchDecider.decide(session, records, cache, appliedOffsets(), clock.instant(), uncommitted());
            long decidedAt = System.nanoTime();
            metrics.decide.observeNanos(decidedAt - startedAt);
            awaitCommitted();
            metrics.await.observeNanos(System.nanoTime() - decidedAt);
        } catch (SQLException | RuntimeException | Error e) {
            closeQuietly(session, e);
            throw e;
        }
        if (batch.nextOffsets().isEmpty()) {
            session.close();
            redeliveredSkipped.addAndGet(batch.redeliveredSkipped());
            return;
        }
        batch.streams().forEach(cache::put);
        CommandStore.BatchWrite write = write(batch);
        EventSink.Publication before = inFlight;
        inFlight = null;
        try {
            pending = new Handover<>(batch, stage.start(() -> commit(session, batch, write, before)));
        } catch (RuntimeException e) { // a stopped stage: nothing of the batch was written
            closeQuietly(session, e);
            throw e;
        }
    }

    /**
     * On the commit stage: waits until the batch before is acknowledged (this commit replaces the publication marks
     * it left), commits, and hands the events to the producer without waiting for the broker.
     */
    private EventSink.Publication commit(CommandStore.Session session, DecidedBatch<S> batch,
                                         CommandStore.BatchWrite write, EventSink.Publication before)
            throws SQLException {
        try (session) {
            long from = System.nanoTime();
            if (before != null) {
                before.await();
            }
            long settledAt = System.nanoTime();
            hooks.at(ProcessorHooks.Point.BEFORE_TRANSACTION);
            // Dead letters go out before the commit: at least once on the topic, exactly once in the table.
            publisher.publishDeadLetters(batch.deadLetters());
            long[] positions = session.commit(write);
            long committedAt = System.nanoTime();
            metrics.commit.observeNanos(committedAt - settledAt);
            hooks.at(ProcessorHooks.Point.AFTER_COMMIT);
            EventSink.Publication publication = publisher.publish(batch.events(), positions, batch.reEmitted(),
                    codec.streamPrefix());
            metrics.publish.observeNanos(settledAt - from + System.nanoTime() - committedAt);
            return publication;
        }
    }

    /**
     * Waits for the batch handed to the commit stage, if any; throws if it failed (its partitions are then rewound:
     * the batch may have committed without the loop learning it, and the store says which).
     */
    private void awaitCommitted() throws SQLException {
        Handover<S> h = pending;
        if (h == null) {
            return;
        }
        pending = null;
        inFlight = h.committed().await();
        storedOffsets.putAll(h.batch().nextOffsets());
        count(h.batch());
    }

    /** Before a rewind: lets the batch in commit end either way; the take-over reads what it left in the store. */
    private void abandonPending() {
        try {
            awaitCommitted();
        } catch (SQLException | RuntimeException e) {
            log.info("{}: the last batch's commit failed ({}); its records are read again", settings.name(),
                    e.toString());
        }
    }

    /** Offsets below which records were applied, or are in the batch now committing. */
    private Map<TopicPartition, Long> appliedOffsets() {
        Handover<S> h = pending;
        if (h == null) {
            return storedOffsets;
        }
        Map<TopicPartition, Long> applied = new HashMap<>(storedOffsets);
        applied.putAll(h.batch().nextOffsets());
        return applied;
    }

    private BatchDecider.Uncommitted uncommitted() {
        Handover<S> h = pending;
        if (h == null) {
            return BatchDecider.Uncommitted.NONE;
        }
        return new BatchDecider.Uncommitted() {
            @Override
            public boolean wrote(String streamId) {
                return h.batch().streams().containsKey(streamId);
            }

            @Override
            public boolean applied(String commandKey) {
                return h.batch().commandKeys().contains(commandKey);
            }

            @Override
            public void await() throws SQLException {
                awaitCommitted();
            }
        };
    }

    private static void closeQuietly(CommandStore.Session session, Throwable cause) {
        try {
            session.close();
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Waits until the last batch is committed and its events acknowledged; throws if either failed, and the rewind
     * that follows republishes them from their marks. The publish stage's time is the commit stage's: handing the
     * records over and waiting for the batch before, not the time the broker took while the loop worked on.
     */
    private void settlePublication() throws SQLException {
        awaitCommitted();
        EventSink.Publication publication = inFlight;
        if (publication == null) {
            return;
        }
        inFlight = null;
        long from = System.nanoTime();
        try {
            publication.await();
        } finally {
            metrics.publish.observeNanos(System.nanoTime() - from);
        }
    }

    /** Waits for the batch in commit and its publication, then stops the commit stage; for a stopping processor. */
    public void stop() {
        abandonPending();
        abandonPublication();
        stage.close();
    }

    /**
     * Before a rewind: lets the last publication end either way, so none of its records lands after the ones the
     * take-over sends; what it did not deliver is still marked and is republished.
     */
    private void abandonPublication() {
        EventSink.Publication publication = inFlight;
        inFlight = null;
        if (publication != null) {
            try {
                publication.await();
            } catch (KafkaException e) {
                log.info("{}: the last batch's publication failed ({}); its events are republished", settings.name(),
                        e.getMessage());
            }
        }
    }

    private CommandStore.BatchWrite write(DecidedBatch<S> batch) {
        List<NewEvent> newEvents = new ArrayList<>(batch.events().size());
        List<TopicPartition> sources = new ArrayList<>(batch.events().size());
        List<Object> domainEvents = new ArrayList<>(batch.events().size());
        for (DecidedBatch.PendingEvent e : batch.events()) {
            newEvents.add(e.event());
            sources.add(e.source());
            domainEvents.add(e.domainEvent());
        }
        List<DeadLetters.DeadLetter> dead = batch.deadLetters().stream()
                .map(d -> new DeadLetters.DeadLetter(d.record(), d.reason())).toList();
        return new CommandStore.BatchWrite(newEvents, sources, domainEvents, batch.snapshots(), dead,
                Map.copyOf(storedOffsets), batch.nextOffsets());
    }

    private void count(DecidedBatch<S> batch) {
        metrics.commands.add(batch.commandCount());
        metrics.events.add(batch.events().size());
        batch.events().forEach(e -> metrics.committed(e.domainEvent()));
        metrics.deadLetters.add(batch.deadLetters().size());
        metrics.repeated.add(batch.repeatedCommands());
        batch.events().forEach(e -> listedUnpublished.add(e.source()));
        batches.incrementAndGet();
        commands.addAndGet(batch.commandCount());
        events.addAndGet(batch.events().size());
        deadLetters.addAndGet(batch.deadLetters().size());
        redeliveredSkipped.addAndGet(batch.redeliveredSkipped());
        repeatedCommands.addAndGet(batch.repeatedCommands());
        batch.deadLetters().forEach(d -> log.warn("{}: dead-lettered {}/{}/{}: {}", settings.name(),
                d.record().topic(), d.record().partition(), d.record().offset(), d.reason()));
    }

    /**
     * Takes over partitions: reads their stored offsets, republishes events committed but never acknowledged,
     * and seeks there. Runs on every assignment and after every rewound batch.
     */
    private void takeOver(Collection<TopicPartition> partitions) throws SQLException {
        if (partitions.isEmpty()) {
            return;
        }
        awaitCommitted(); // its offsets must not land over the ones read here
        try (CommandStore.Session session = store.open()) {
            Map<TopicPartition, CommandStore.StoredOffset> stored = session.readOffsets(partitions);
            for (Map.Entry<TopicPartition, CommandStore.StoredOffset> e : stored.entrySet()) {
                TopicPartition tp = e.getKey();
                long next = e.getValue().nextOffset();
                long[] unpublished = e.getValue().unpublishedPositions();
                if (unpublished.length > 0) {
                    List<StoredEvent> pending = session.readByPositions(unpublished);
                    publisher.republish(pending, codec.streamPrefix());
                    session.advance(Map.of(tp, new CommandStore.OffsetAdvance(next, next, new long[0])));
                    republished.addAndGet(pending.size());
                    metrics.republished.add(pending.size());
                    log.info("{}: republished {} events of {} committed before the last stop", settings.name(),
                            pending.size(), tp);
                }
                storedOffsets.put(tp, next);
                listedUnpublished.remove(tp);
                if (next == CommandStore.FROM_BEGINNING) {
                    source.seekToBeginning(List.of(tp));
                } else {
                    source.seek(tp, next);
                }
            }
            log.info("{}: owns {} resuming at {}", settings.name(), partitions, storedOffsets);
        }
    }

    /** When idle, forgets publication marks of batches already acknowledged, so a restart republishes nothing. */
    private void clearPublishedMarks() throws SQLException {
        if (listedUnpublished.isEmpty()) {
            return;
        }
        Map<TopicPartition, CommandStore.OffsetAdvance> clear = new HashMap<>();
        for (TopicPartition tp : listedUnpublished) {
            long next = storedOffsets.get(tp);
            clear.put(tp, new CommandStore.OffsetAdvance(next, next, new long[0]));
        }
        try (CommandStore.Session session = store.open()) {
            session.advance(clear);
        }
        listedUnpublished.clear();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            try {
                takeOver(partitions);
            } catch (SQLException e) {
                throw new KafkaException("cannot take over " + partitions + ": " + e.getMessage(), e);
            }
        }

        /**
         * The partitions' next owner starts once this returns, so the last publication ends first: none of its
         * records may land after that owner's. If it failed, poll throws and the loop rewinds what it still owns.
         */
        private void forget(Collection<TopicPartition> partitions) {
            try {
                settlePublication();
            } catch (SQLException e) {
                throw new KafkaException("the last batch's commit failed before giving up " + partitions + ": "
                        + e.getMessage(), e);
            } finally {
                cache.clear();
                partitions.forEach(storedOffsets::remove);
                listedUnpublished.removeAll(partitions);
            }
        }
    }
}
