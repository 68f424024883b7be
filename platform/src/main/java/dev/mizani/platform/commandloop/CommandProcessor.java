package dev.mizani.platform.commandloop;

import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batched command handler with exactly-once effects: a {@link CommandLoop} on Kafka and PostgreSQL, turned on
 * its own thread, each batch committed and published on a second ({@link CommitStage#onThread}) while the loop
 * decides the next. A database or broker failure rewinds the batch and retries with backoff; past
 * {@code retriesMax} consecutive failures the processor stops ({@link Status#FAILED}, {@link #failedTransiently})
 * so its supervisor can start a fresh one with fresh clients. A stale instance is fenced and stops
 * ({@link Status#FENCED}); any other exception is a bug, and it stops rather than continue on corrupt state.
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
    private final List<Integer> manualPartitions;
    private final CommandSource source;
    private final EventSink sink;
    private final CommandLoop<C, E, S> loop;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Status status = Status.CREATED;
    /** {@link System#nanoTime()} of the first of the current run of failed batches, 0 while batches succeed. */
    private volatile long failingSinceNs;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
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
        this(settings, decider, codec, store, kafkaBootstrap, clock, hooks, manualPartitions, TransactionalIndex.NONE,
                ProcessorMetrics.unregistered(settings.name()));
    }

    /**
     * @param index   written in each batch's transaction with the batch's new events
     * @param metrics where each batch's stage times and counts go; shared by the instances that replace this one
     */
    public CommandProcessor(ProcessorSettings settings, Decider<C, E, S> decider, AggregateCodec<C, E, S> codec,
                            EventStore store, String kafkaBootstrap, Clock clock, ProcessorHooks hooks,
                            List<Integer> manualPartitions, TransactionalIndex<? super E> index,
                            ProcessorMetrics metrics) {
        this.settings = settings;
        this.manualPartitions = manualPartitions;
        this.source = new KafkaCommandSource(KafkaClients.processorConsumer(kafkaBootstrap, settings));
        this.sink = new KafkaEventSink(KafkaClients.idempotentProducer(kafkaBootstrap, settings.name()));
        this.loop = new CommandLoop<>(settings, decider, codec, new JdbcCommandStore(store, settings.name(), index, hooks),
                source, sink, clock, hooks, metrics, CommitStage.onThread("processor-" + settings.name() + "-commit"));
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

    /** True when it stopped on database or broker failures it could not get past, not on a bug. */
    public boolean failedTransiently() {
        return status == Status.FAILED && isTransient(failure.get());
    }

    /** How long its batches have been failing without one succeeding; zero while they succeed. */
    public Duration failingFor() {
        long since = failingSinceNs;
        return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
    }

    public Stats stats() {
        return loop.stats();
    }

    /**
     * Asks the loop to seek back and consume again from the given offsets (an operator re-driving a
     * partition). Records already applied are recognised by their offset and skipped.
     */
    public void redeliverFrom(Map<TopicPartition, Long> offsets) {
        redeliveryRequest.set(Map.copyOf(offsets));
    }

    /** A failure of the database, the broker or the registry, which a retry or a fresh instance can get past. */
    public static boolean isTransient(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof FencedException) {
                return false;
            }
            if (c instanceof SQLException || c instanceof KafkaException || c instanceof RegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }

    private void run() {
        try {
            loop.start(manualPartitions);
            status = Status.RUNNING;
            turnUntilClosed();
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
            loop.stop();
            source.close();
            sink.close();
        }
    }

    private Status fail(Throwable t) {
        failure.set(t);
        log.error("{} stopped on an error; its partitions resume from PostgreSQL on restart", settings.name(), t);
        return Status.FAILED;
    }

    private void turnUntilClosed() throws SQLException {
        int failures = 0;
        while (running) {
            try {
                Map<TopicPartition, Long> redeliver = redeliveryRequest.getAndSet(null);
                if (redeliver != null) {
                    loop.seek(redeliver);
                }
                loop.turn();
                failures = 0;
                failingSinceNs = 0;
                logProgress();
            } catch (FencedException | WakeupException | InterruptException e) {
                throw e;
            } catch (SQLException | KafkaException | RegistryUnavailableException e) {
                if (failures == 0) {
                    failingSinceNs = System.nanoTime();
                }
                if (++failures > settings.retriesMax()) {
                    throw e;
                }
                long pauseMs = Math.min(settings.retryBackoff().toMillis() << Math.min(failures - 1, 8),
                        RETRY_PAUSE_MAX_MS);
                log.warn("{}: batch rewound after a transient failure ({} of {}), retrying in {} ms: {}",
                        settings.name(), failures, settings.retriesMax(), pauseMs, e.toString());
                sleep(pauseMs);
            }
        }
    }

    /** Longest pause between two attempts: a database back after a restart is used within this. */
    private static final long RETRY_PAUSE_MAX_MS = 2_000;

    /** Every 30 s with work done: the rate since the last line, so an operator sees a handler is alive and how fast. */
    private void logProgress() {
        long now = System.nanoTime();
        if (now - progressAtNs < PROGRESS_INTERVAL_NS) {
            return;
        }
        Stats stats = loop.stats();
        if (stats.commands() > progressCommands) {
            log.info("{}: {} commands/s over the last {} s; totals: {} commands, {} events, {} dead letters; {} aggregates cached",
                    settings.name(), String.format("%.1f", (stats.commands() - progressCommands) * 1e9 / (now - progressAtNs)),
                    (now - progressAtNs) / 1_000_000_000L, stats.commands(), stats.events(), stats.deadLetters(),
                    loop.cachedAggregates());
        }
        progressAtNs = now;
        progressCommands = stats.commands();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /**
     * Stops after the batch in hand, which gets {@link #STOP_GRACE} to finish; a thread still busy then (waiting for a
     * database that is away, say) is interrupted. Whatever it had not committed is decided again by the next owner.
     */
    @Override
    public void close() {
        running = false;
        source.wakeup();
        try {
            thread.join(STOP_GRACE);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(Duration.ofSeconds(25));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
}
