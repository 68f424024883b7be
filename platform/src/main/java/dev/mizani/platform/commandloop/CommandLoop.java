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
 * each {@link #turn} polls a bounded batch, decides it in memory ({@link BatchDecider}), commits its events,
 * snapshots, dead letters and offsets in one store transaction, then hands the events to the producer. The
 * broker acknowledges them while the next batch is polled and decided; the loop waits for those acknowledgements
 * before it commits that batch, before it clears publication marks, and before it gives partitions up.
 * Single-threaded and driven from outside: {@link CommandProcessor} turns it on a thread with retries, the
 * seeded simulation turns it step by step on in-memory ports that fail at any call.
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
    private final Map<TopicPartition, Long> storedOffsets = new HashMap<>();
    private final Set<TopicPartition> listedUnpublished = new HashSet<>();
    private boolean rewindDue;
    /** The last committed batch's events, handed to the producer and perhaps not yet acknowledged. */
    private EventSink.Publication inFlight;
    private long inFlightSendNanos;
    final AtomicLong batches = new AtomicLong();
    final AtomicLong commands = new AtomicLong();
    final AtomicLong events = new AtomicLong();
    final AtomicLong deadLetters = new AtomicLong();
    final AtomicLong republished = new AtomicLong();
    final AtomicLong redeliveredSkipped = new AtomicLong();
    final AtomicLong repeatedCommands = new AtomicLong();

    public CommandLoop(ProcessorSettings settings, Decider<C, E, S> decider, AggregateCodec<C, E, S> codec,
                       CommandStore store, CommandSource source, EventSink sink, Clock clock, ProcessorHooks hooks,
                       ProcessorMetrics metrics) {
        this.settings = settings;
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

    private void process(ConsumerRecords<String, byte[]> records) throws SQLException {
        DecidedBatch<S> batch;
        long committedAt;
        long[] positions;
        long startedAt = System.nanoTime();
        try (CommandStore.Session session = store.open()) {
            batch = batchDecider.decide(session, records, cache, storedOffsets, clock.instant());
            long decidedAt = System.nanoTime();
            metrics.decide.observeNanos(decidedAt - startedAt);
            if (batch.nextOffsets().isEmpty()) {
                redeliveredSkipped.addAndGet(batch.redeliveredSkipped());
                return;
            }
            settlePublication();
            long settledAt = System.nanoTime();
            hooks.at(ProcessorHooks.Point.BEFORE_TRANSACTION);
            // Dead letters go out before the commit: at least once on the topic, exactly once in the table.
            publisher.publishDeadLetters(batch.deadLetters());
            positions = session.commit(write(batch));
            storedOffsets.putAll(batch.nextOffsets());
            committedAt = System.nanoTime();
            metrics.commit.observeNanos(committedAt - settledAt);
        }
        batch.streams().forEach(cache::put);
        hooks.at(ProcessorHooks.Point.AFTER_COMMIT);
        inFlight = publisher.publish(batch.events(), positions, batch.reEmitted(), codec.streamPrefix());
        inFlightSendNanos = System.nanoTime() - committedAt;
        count(batch);
    }

    /**
     * Waits until the last batch's events are acknowledged; throws if any failed, and the rewind that follows
     * republishes them from their marks. The publish stage's time is the loop's own: handing the records over and
     * this wait, not the time the broker took while the loop worked on.
     */
    private void settlePublication() {
        EventSink.Publication publication = inFlight;
        if (publication == null) {
            return;
        }
        inFlight = null;
        long from = System.nanoTime();
        try {
            publication.await();
        } finally {
            metrics.publish.observeNanos(inFlightSendNanos + System.nanoTime() - from);
        }
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
            } finally {
                cache.clear();
                partitions.forEach(storedOffsets::remove);
                listedUnpublished.removeAll(partitions);
            }
        }
    }
}
