package dev.mizani.platform.commandloop;

import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.kafka.KafkaClients;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batched command handler with exactly-once effects. One thread, one consumer, one producer:
 * poll a bounded batch, decide it in memory ({@link BatchDecider}), commit events + snapshots + offsets
 * in one PostgreSQL transaction ({@link BatchTransaction}), then publish and wait for the acks.
 *
 * <p>Offsets live in PostgreSQL, not Kafka: on every assignment the processor seeks to them and first
 * republishes events committed but not acknowledged before the last stop. A stale instance is fenced by
 * the stream version or the offset guard, and stops. A database or broker failure rewinds the whole
 * batch and retries with backoff; a record that cannot be decoded or decided is dead-lettered.
 */
public final class CommandProcessor<C, E, S> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommandProcessor.class);

    public enum Status { CREATED, RUNNING, STOPPED, FENCED, FAILED }

    /**
     * @param redeliveredSkipped records below the stored offset, recognised and skipped
     * @param repeatedCommands   commands whose id the aggregate had already applied: not decided again
     */
    public record Stats(long batches, long commands, long events, long deadLetters, long republished,
                        long redeliveredSkipped, long repeatedCommands) {}

    private final ProcessorSettings settings;
    private final ProcessorMetrics metrics;
    private final AggregateCodec<C, E, S> codec;
    private final EventStore store;
    private final DataSource dataSource;
    private final Clock clock;
    private final ProcessorHooks hooks;
    private final List<Integer> manualPartitions;
    private final BatchDecider<C, E, S> batchDecider;
    private final BatchTransaction transaction;
    private final ProcessorOffsets offsets;
    private final Consumer<String, byte[]> consumer;
    private final Producer<String, byte[]> producer;
    private final EventPublisher publisher;
    private final AggregateCache<S> cache;
    private final Map<TopicPartition, Long> storedOffsets = new HashMap<>();
    private final Set<TopicPartition> listedUnpublished = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Status status = Status.CREATED;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong republished = new AtomicLong();
    private final AtomicLong redeliveredSkipped = new AtomicLong();
    private final AtomicLong repeatedCommands = new AtomicLong();
    private final AtomicReference<Map<TopicPartition, Long>> redeliveryRequest = new AtomicReference<>();
    private static final long PROGRESS_INTERVAL_NS = 30_000_000_000L;
    private long progressAtNs = System.nanoTime();
    private long progressCommands;

    /**
     * @param manualPartitions partitions of the command topic to own without a consumer group (static
     *                         deployments, tests); null to join the group {@code settings.name()}
     */
    public CommandProcessor(ProcessorSettings settings, Decider<C, E, S> decider, AggregateCodec<C, E, S> codec,
                            EventStore store, String kafkaBootstrap, Clock clock, ProcessorHooks hooks,
                            List<Integer> manualPartitions) {
        this(settings, decider, codec, store, kafkaBootstrap, clock, hooks, manualPartitions, TransactionalIndex.NONE);
    }

    /** @param index written in each batch's transaction with the batch's new events */
    public CommandProcessor(ProcessorSettings settings, Decider<C, E, S> decider, AggregateCodec<C, E, S> codec,
                            EventStore store, String kafkaBootstrap, Clock clock, ProcessorHooks hooks,
                            List<Integer> manualPartitions, TransactionalIndex<? super E> index) {
        this(settings, decider, codec, store, kafkaBootstrap, clock, hooks, manualPartitions, index,
                ProcessorMetrics.unregistered(settings.name()));
    }

    /** @param metrics where each batch's stage times and counts go; shared by the instances that replace this one */
    public CommandProcessor(ProcessorSettings settings, Decider<C, E, S> decider, AggregateCodec<C, E, S> codec,
                            EventStore store, String kafkaBootstrap, Clock clock, ProcessorHooks hooks,
                            List<Integer> manualPartitions, TransactionalIndex<? super E> index,
                            ProcessorMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.codec = codec;
        this.store = store;
        this.dataSource = store.dataSource();
        this.clock = clock;
        this.hooks = hooks;
        this.manualPartitions = manualPartitions;
        this.batchDecider = new BatchDecider<>(settings.name(), decider, codec, store, settings.snapshotEvery());
        this.offsets = new ProcessorOffsets(settings.name());
        this.transaction = new BatchTransaction(store, offsets, settings.name(), hooks, index);
        this.consumer = new KafkaConsumer<>(KafkaClients.processorConsumer(kafkaBootstrap, settings));
        this.producer = new KafkaProducer<>(KafkaClients.idempotentProducer(kafkaBootstrap, settings.name()));
        this.publisher = new EventPublisher(producer, settings.eventTopic(), settings.deadLetterTopic(), settings.name());
        this.cache = new AggregateCache<>(settings.cacheSizeMax());
        this.thread = new Thread(this::run, "processor-" + settings.name());
    }

    public CommandProcessor<C, E, S> start() {
        thread.start();
        return this;
    }

    public Status status() {
        return status;
    }

    public Throwable failure() {
        return failure.get();
    }

    public Stats stats() {
        return new Stats(batches.get(), commands.get(), events.get(), deadLetters.get(), republished.get(),
                redeliveredSkipped.get(), repeatedCommands.get());
    }

    /**
     * Asks the loop to seek back and consume again from the given offsets (an operator re-driving a
     * partition). Records already applied are recognised by their offset and skipped.
     */
    public void redeliverFrom(Map<TopicPartition, Long> offsets) {
        redeliveryRequest.set(Map.copyOf(offsets));
    }

    private void run() {
        try {
            if (manualPartitions != null) {
                List<TopicPartition> parts = manualPartitions.stream()
                        .map(p -> new TopicPartition(settings.commandTopic(), p)).toList();
                consumer.assign(parts);
                recover(parts);
            } else {
                consumer.subscribe(List.of(settings.commandTopic()), new Rebalance());
            }
            status = Status.RUNNING;
            loop();
            status = Status.STOPPED;
        } catch (WakeupException | InterruptException e) {
            status = running ? fail(e) : Status.STOPPED;
        } catch (FencedException e) {
            failure.set(e);
            status = Status.FENCED;
            log.error("{} fenced and stopping: {}", settings.name(), e.getMessage());
        } catch (Throwable t) {
            status = fail(t);
        } finally {
            consumer.close(Duration.ofSeconds(5));
            producer.close(Duration.ofSeconds(5));
        }
    }

    private Status fail(Throwable t) {
        failure.set(t);
        log.error("{} stopped on an error; its partitions resume from PostgreSQL on restart", settings.name(), t);
        return Status.FAILED;
    }

    private void loop() throws SQLException {
        int failures = 0;
        while (running) {
            try {
                Map<TopicPartition, Long> redeliver = redeliveryRequest.getAndSet(null);
                if (redeliver != null) {
                    redeliver.forEach(consumer::seek);
                }
                long polledFrom = System.nanoTime();
                ConsumerRecords<String, byte[]> records = consumer.poll(settings.pollTimeout());
                if (records.isEmpty()) {
                    clearPublishedMarks();
                } else {
                    metrics.poll.observeNanos(System.nanoTime() - polledFrom);
                    metrics.batchCommands.observe(records.count());
                    process(records);
                }
                failures = 0;
                logProgress();
            } catch (FencedException | WakeupException | InterruptException e) {
                throw e;
            } catch (SQLException | KafkaException e) {
                if (++failures > settings.retriesMax()) {
                    throw e;
                }
                long pauseMs = settings.retryBackoff().toMillis() << Math.min(failures - 1, 8);
                log.warn("{}: batch rewound after a transient failure ({} of {}), retrying in {} ms: {}",
                        settings.name(), failures, settings.retriesMax(), pauseMs, e.toString());
                metrics.rewound.inc();
                sleep(pauseMs);
                cache.clear();
                recover(consumer.assignment());
            }
        }
    }

    private void process(ConsumerRecords<String, byte[]> records) throws SQLException {
        DecidedBatch<S> batch;
        long decidedAt;
        long committedAt;
        long startedAt = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            batch = batchDecider.decide(c, records, cache, storedOffsets, clock.instant());
            decidedAt = System.nanoTime();
            metrics.decide.observeNanos(decidedAt - startedAt);
            if (batch.nextOffsets().isEmpty()) {
                redeliveredSkipped.addAndGet(batch.redeliveredSkipped());
                return;
            }
            hooks.at(ProcessorHooks.Point.BEFORE_TRANSACTION);
            // Dead letters go out before the commit: at least once on the topic, exactly once in the table.
            publisher.publishDeadLetters(batch.deadLetters());
            storedOffsets.putAll(transaction.commit(c, batch, storedOffsets));
            committedAt = System.nanoTime();
            metrics.commit.observeNanos(committedAt - decidedAt);
        }
        batch.streams().forEach(cache::put);
        hooks.at(ProcessorHooks.Point.AFTER_COMMIT);
        publisher.publish(batch.events());
        if (!batch.reEmitted().isEmpty()) {
            publisher.republish(batch.reEmitted(), codec.streamPrefix());
        }
        metrics.publish.observeNanos(System.nanoTime() - committedAt);
        metrics.commands.add(batch.commandCount());
        metrics.events.add(batch.events().size());
        metrics.deadLetters.add(batch.deadLetters().size());
        batch.events().forEach(e -> listedUnpublished.add(e.source()));
        batches.incrementAndGet();
        commands.addAndGet(batch.commandCount());
        events.addAndGet(batch.events().size());
        deadLetters.addAndGet(batch.deadLetters().size());
        redeliveredSkipped.addAndGet(batch.redeliveredSkipped());
        repeatedCommands.addAndGet(batch.repeatedCommands());
        if (!batch.deadLetters().isEmpty()) {
            batch.deadLetters().forEach(d -> log.warn("{}: dead-lettered {}/{}/{}: {}", settings.name(),
                    d.record().topic(), d.record().partition(), d.record().offset(), d.reason()));
        }
    }

    /** Every 30 s with work done: the rate since the last line, so an operator sees a handler is alive and how fast. */
    private void logProgress() {
        long now = System.nanoTime();
        if (now - progressAtNs < PROGRESS_INTERVAL_NS) {
            return;
        }
        long done = commands.get();
        if (done > progressCommands) {
            log.info("{}: {} commands/s over the last {} s; totals: {} commands, {} events, {} dead letters; {} aggregates cached",
                    settings.name(), String.format("%.1f", (done - progressCommands) * 1e9 / (now - progressAtNs)),
                    (now - progressAtNs) / 1_000_000_000L, done, events.get(), deadLetters.get(), cache.size());
        }
        progressAtNs = now;
        progressCommands = done;
    }

    /**
     * Takes over partitions: reads their stored offsets, republishes events committed but never
     * acknowledged, and seeks there. Runs on every assignment and after every rewound batch.
     */
    private void recover(Collection<TopicPartition> partitions) throws SQLException {
        if (partitions.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            Map<TopicPartition, ProcessorOffsets.Stored> stored = offsets.read(c, partitions);
            for (Map.Entry<TopicPartition, ProcessorOffsets.Stored> e : stored.entrySet()) {
                TopicPartition tp = e.getKey();
                long next = e.getValue().nextOffset();
                long[] unpublished = e.getValue().unpublishedPositions();
                if (unpublished.length > 0) {
                    List<StoredEvent> pending = store.readByPositions(c, unpublished);
                    publisher.republish(pending, codec.streamPrefix());
                    offsets.advance(c, Map.of(tp, new ProcessorOffsets.Advance(next, next, new long[0])));
                    republished.addAndGet(pending.size());
                    metrics.republished.add(pending.size());
                    log.info("{}: republished {} events of {} committed before the last stop", settings.name(),
                            pending.size(), tp);
                }
                storedOffsets.put(tp, next);
                listedUnpublished.remove(tp);
                if (next == ProcessorOffsets.FROM_BEGINNING) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, next);
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
        Map<TopicPartition, ProcessorOffsets.Advance> clear = new HashMap<>();
        for (TopicPartition tp : listedUnpublished) {
            long next = storedOffsets.get(tp);
            clear.put(tp, new ProcessorOffsets.Advance(next, next, new long[0]));
        }
        try (Connection c = dataSource.getConnection()) {
            offsets.advance(c, clear);
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
                recover(partitions);
            } catch (SQLException e) {
                throw new KafkaException("cannot take over " + partitions + ": " + e.getMessage(), e);
            }
        }

        private void forget(Collection<TopicPartition> partitions) {
            cache.clear();
            partitions.forEach(storedOffsets::remove);
            listedUnpublished.removeAll(partitions);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
