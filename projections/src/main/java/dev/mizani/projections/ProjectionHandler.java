package dev.mizani.projections;

import dev.mizani.platform.eventstore.DeadLetters;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projection handler: follows transfers.events and participants.events and keeps the live read store
 * ({@link ReadStore#LIVE}). One poll is one transaction holding the rows it changed and the Kafka positions
 * it consumed, so a crash anywhere replays at most the uncommitted poll, and redelivered events are
 * recognised by their stream version. One instance owns the read store; it assigns itself every partition.
 *
 * <p>Between polls, on its own thread, it closes settlement windows that operators asked to close and
 * runs the last step of a rebuild (catching the new table set up and swapping it in).
 */
public final class ProjectionHandler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProjectionHandler.class);
    static final String NAME = "projections";
    private static final int FETCH_BYTES_MIN = 16 * 1024 * 1024;
    private static final long LAG_RETRY_NS = 5_000_000_000L;

    /** Crash points, for tests. A hook that throws behaves like the process dying there. */
    public interface Hooks {
        Hooks NONE = (batch, events) -> {};

        /** Rows and offsets of poll {@code batch}, which held {@code events}, written, transaction not committed. */
        void insideTransaction(long batch, List<ReadModel.Event> events);

        /** About to ask the broker for the topics' ends to measure the lag: a hook that throws is the broker not answering. */
        default void measuringLag() {}

        /**
         * Poll {@code batch} committed, its connection not yet back in the pool: a hook that throws is that return
         * failing (a connection the server dropped just after the commit).
         */
        default void committed(long batch, List<ReadModel.Event> events) throws SQLException {}
    }

    /**
     * @param batchSizeMax     records per poll, hence per transaction
     * @param retriesMax       consecutive database failures logged one by one; after them every tenth (it never stops)
     * @param closeCheckEvery  how often pending settlement window close requests are looked for
     * @param lingerMs         how long the broker may hold a fetch to fill a poll (fetch.max.wait.ms). Each poll is one
     *                         read-store transaction, and a transfer's events within one poll cost one row write
     *                         instead of one each: a longer linger means fewer, larger commits for a staler store
     * @param halfCommittedAfter how long a commit may miss one of its sides before the ledger audit reports it
     * @param leaseTerm          how long the instance writing the read store may go without renewing its lease
     *                           before one standing by takes over ({@link ProjectionLease})
     * @param instance           this instance's name on the lease: stable across restarts of one deployment (its
     *                           restart takes its lease back at once), distinct between instances
     */
    public record Settings(int batchSizeMax, Duration pollTimeout, int retriesMax, Duration retryBackoff,
                           Duration closeCheckEvery, int lingerMs, Duration halfCommittedAfter, Duration leaseTerm,
                           String instance) {
        public static Settings defaults() {
            return new Settings(5_000, Duration.ofMillis(100), 10, Duration.ofMillis(200), Duration.ofMillis(200), 1_000,
                    Duration.ofSeconds(30), Duration.ofSeconds(10),
                    ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8));
        }

        /**
         * Overrides from {@code MIZANI_PROJECTIONS_BATCH_SIZE_MAX}, {@code MIZANI_PROJECTIONS_LINGER_MS} and
         * {@code MIZANI_PROJECTIONS_LEASE_MS}.
         */
        public Settings withEnv(Map<String, String> env) {
            return new Settings(intOr(env, "MIZANI_PROJECTIONS_BATCH_SIZE_MAX", batchSizeMax), pollTimeout, retriesMax,
                    retryBackoff, closeCheckEvery, intOr(env, "MIZANI_PROJECTIONS_LINGER_MS", lingerMs), halfCommittedAfter,
                    Duration.ofMillis(intOr(env, "MIZANI_PROJECTIONS_LEASE_MS", (int) leaseTerm.toMillis())), instance);
        }

        public Settings withHalfCommittedAfter(Duration after) {
            return new Settings(batchSizeMax, pollTimeout, retriesMax, retryBackoff, closeCheckEvery, lingerMs, after,
                    leaseTerm, instance);
        }

        public Settings withLeaseTerm(Duration term) {
            return new Settings(batchSizeMax, pollTimeout, retriesMax, retryBackoff, closeCheckEvery, lingerMs,
                    halfCommittedAfter, term, instance);
        }

        public Settings withInstance(String name) {
            return new Settings(batchSizeMax, pollTimeout, retriesMax, retryBackoff, closeCheckEvery, lingerMs,
                    halfCommittedAfter, leaseTerm, name);
        }

        private static int intOr(Map<String, String> env, String name, int otherwise) {
            String value = env.get(name);
            return value == null || value.isBlank() ? otherwise : Integer.parseInt(value.trim());
        }
    }

    /** How far behind the event topics the live read store is, measured at {@code measuredAt}. */
    public record Lag(long transfersEvents, long participantsEvents, Instant lastEventAt, Instant measuredAt,
                      long eventsApplied, boolean running) {}

    private final DataSource dataSource;
    private final String bootstrap;
    private final Settings settings;
    private final Hooks hooks;
    private final ReadModel live = new ReadModel(ReadStore.LIVE);
    final EventDecoder decoder;
    private final int transferPartitions;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean rebuilding = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Lag lag;
    private volatile Figures figures = Figures.of(new Metrics());
    private volatile Throwable failure;
    private volatile long failingSinceNs;
    private long nextLagAttemptNs;
    private int lagFailures;
    private final LedgerAudit audit;
    private final ProjectionLease lease;
    private long nextLeaseAttemptNs;
    private long nextAuditCheckNs;
    /**
     * The poll being applied until the audit has it, and after a failure the poll that failed. A commit can succeed
     * with its answer lost (the server killed right after it), or the connection can fail on its way back to the pool
     * after a commit that went through: the read store then holds the poll and the stored positions are past it, so
     * the audit must see it.
     */
    private Unconfirmed unconfirmed;

    private record Unconfirmed(List<ReadModel.Event> events, Map<TopicPartition, Long> next) {
        boolean landed(Map<TopicPartition, Long> stored) {
            return next.entrySet().stream().allMatch(e -> stored.getOrDefault(e.getKey(), -1L) >= e.getValue());
        }
    }
    private KafkaConsumer<String, byte[]> consumer;
    private long batches;
    private long eventsApplied;
    private Instant lastEventAt;
    private long nextCloseCheckNs;
    private final SettlementFeed settlementFeed;

    public ProjectionHandler(DataSource dataSource, String bootstrap, CachedSchemaRegistry registry, Settings settings,
                             Hooks hooks) {
        this.dataSource = dataSource;
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.audit = new LedgerAudit(settings.halfCommittedAfter().toNanos());
        this.lease = new ProjectionLease(settings.instance(), settings.leaseTerm());
        this.hooks = hooks;
        this.decoder = new EventDecoder(registry);
        this.settlementFeed = new SettlementFeed(dataSource, bootstrap, registry);
        ReadStore.migrateSettlement(dataSource);
        ReadStore.migrate(dataSource, ReadStore.LIVE);
        try (Connection c = dataSource.getConnection()) {
            SettlementWindows.dateFirstWindow(c, ReadStore.LIVE);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot date settlement window 1", e);
        }
        this.consumer = new KafkaConsumer<>(consumerConfig(bootstrap, settings.batchSizeMax(), settings.lingerMs()));
        for (String topic : List.of(HubTopics.TRANSFERS_EVENTS, HubTopics.PARTICIPANTS_EVENTS)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        this.transferPartitions = (int) partitions.stream().filter(p -> p.topic().equals(HubTopics.TRANSFERS_EVENTS)).count();
        this.lag = new Lag(-1, -1, null, Instant.now(), 0, true);
        this.thread = Thread.ofPlatform().daemon().name("projections").unstarted(this::run);
    }

    public ProjectionHandler start() {
        thread.start();
        return this;
    }

    static Map<String, Object> consumerConfig(String bootstrap, int batchSizeMax, int lingerMs) {
        Map<String, Object> config = KafkaClients.plainConsumer(bootstrap, null);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, NAME + "-" + UUID.randomUUID());
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batchSizeMax);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, lingerMs);
        // The linger alone decides when a fetch ends: at 3,000 transfers/s the events of a second (some 9,000, about
        // 3 MiB) are far more than the old 256 KiB floor, which ended fetches early. This floor still ends the wait
        // when far behind, which it can only do if a fetch may carry it: the broker counts at most a partition's fetch
        // size of each partition towards the floor, and at Kafka's 1 MiB default eight partitions never reach 16 MiB,
        // so a projection catching up waited out the linger on every fetch.
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, FETCH_BYTES_MIN);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, FETCH_BYTES_MIN);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 2 * FETCH_BYTES_MIN);
        return config;
    }

    /** What each batch costs; registered nowhere until {@link #export} moves them into the hub's metrics. */
    private record Figures(Metrics.Histogram batchSeconds, Metrics.Histogram batchRecords, Metrics.Counter deadLetters,
                           Metrics.Counter replays) {
        static Figures of(Metrics m) {
            return new Figures(
                    m.histogram("mizani_projection_batch_seconds", "Time to apply a polled batch to the read store and "
                            + "commit it", Metrics.SECONDS),
                    m.histogram("mizani_projection_batch_records", "Events per polled batch", Metrics.BATCH_SIZES),
                    m.counter("mizani_projection_dead_letters_total", "Events that could not be decoded, kept in dead_letters"),
                    m.counter("mizani_projection_replays_total", "Batches rolled back after a database failure and replayed"));
        }
    }

    /** Registers this handler's lag, progress and batch figures, read from {@link #lag()} at each scrape. */
    public ProjectionHandler export(Metrics metrics) {
        figures = Figures.of(metrics);
        live.observeEnds(metrics);
        String lagHelp = "Events on the topic not yet in the read store (NaN until measured)";
        metrics.gauge("mizani_projection_lag_events", lagHelp, () -> unknownIfNegative(lag.transfersEvents()),
                "topic", HubTopics.TRANSFERS_EVENTS);
        metrics.gauge("mizani_projection_lag_events", lagHelp, () -> unknownIfNegative(lag.participantsEvents()),
                "topic", HubTopics.PARTICIPANTS_EVENTS);
        metrics.gauge("mizani_projection_events_applied", "Events this projection handler applied since it started",
                () -> lag.eventsApplied());
        metrics.gauge("mizani_projection_up", "1 while the projection handler runs", () -> isRunning() ? 1 : 0);
        audit.export(metrics);
        return this;
    }

    /** The ledger checked as the events are applied: money created or destroyed, positions that do not add up. */
    public LedgerAudit audit() {
        return audit;
    }

    private static double unknownIfNegative(long v) {
        return v < 0 ? Double.NaN : v;
    }

    public Lag lag() {
        return lag;
    }

    /** Why the handler stopped, or null while it runs. */
    public Throwable failure() {
        return failure;
    }

    /** How long its batches have been failing on the database without one succeeding; zero while they succeed. */
    public Duration failingFor() {
        long since = failingSinceNs;
        return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    /** True while this instance holds the read store's lease and applies events; false while it stands by. */
    public boolean writing() {
        return lease.held();
    }

    /** The instance that held the lease when this one last tried to take it. */
    public String standingByFor() {
        String holder = lease.otherHolder();
        return holder.isEmpty() ? "another instance" : holder;
    }

    int transferPartitions() {
        return transferPartitions;
    }

    /** The transfers.events partition a transfer's events go to: Kafka's default partitioner on the record key. */
    int partitionOf(String transferId) {
        return Utils.toPositive(Utils.murmur2(transferId.getBytes(StandardCharsets.UTF_8))) % transferPartitions;
    }

    // ---- the loop ----

    private void run() {
        try {
            boolean seekDue = true;
            int failures = 0;
            consumer.assign(partitions);
            while (running) {
                try {
                    if (!lease.held()) {
                        if (!takeLease()) {
                            continue; // another instance writes the read store: stand by
                        }
                        seekDue = true;
                    }
                    if (seekDue) {
                        ensurePartitionRows();
                        seekToStored();
                        seekDue = false;
                    }
                    runTasks();
                    closeRequestedWindows();
                    reconcileAudit();
                    refreshLag();
                    lease.renewIfDue(dataSource);
                    ConsumerRecords<String, byte[]> records = consumer.poll(settings.pollTimeout());
                    if (records.isEmpty()) {
                        continue;
                    }
                    long startedAt = System.nanoTime();
                    applyLive(records);
                    Figures f = figures;
                    f.batchSeconds().observeNanos(System.nanoTime() - startedAt);
                    f.batchRecords().observe(records.count());
                    failures = 0;
                    failingSinceNs = 0;
                } catch (ProjectionLease.Lost e) {
                    // Paused or cut off for longer than the lease: another instance writes now. Nothing this one wrote
                    // since is committed; it stands by and may take the lease again later.
                    log.warn("{}; standing by", e.getMessage());
                    failures = 0;
                    failingSinceNs = 0;
                    seekDue = true;
                } catch (WakeupException | InterruptException e) {
                    throw e; // closing
                } catch (SQLException | KafkaException | RegistryUnavailableException e) {
                    // The database, the broker or the registry is away (restarting, or too busy to answer in time): the
                    // poll is read again from the stored positions once it is back, however long that takes. Nothing
                    // is lost, the read store only falls behind.
                    figures.replays().inc();
                    if (failures++ == 0) {
                        failingSinceNs = System.nanoTime();
                    }
                    long pauseMs = Math.min(settings.retryBackoff().toMillis() << Math.min(failures - 1, 8), 5_000);
                    if (failures <= settings.retriesMax() || failures % 10 == 0) {
                        log.warn("projection batch failed ({} in a row), replaying it in {} ms: {}", failures, pauseMs,
                                e.toString());
                    }
                    Thread.sleep(pauseMs);
                    seekDue = true;
                }
            }
        } catch (WakeupException | InterruptException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure = e;
            log.error("projection handler stopped: {}", e.toString(), e);
        } finally {
            lease.release(dataSource);
            running = false;
            lag = new Lag(lag.transfersEvents(), lag.participantsEvents(), lastEventAt, Instant.now(), eventsApplied, false);
            consumer.close(Duration.ofSeconds(5));
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run(); // each fails its future: the loop is gone
            }
        }
    }

    /**
     * Standing by: tries to take the lease every second, refreshing the lag from the stored positions meanwhile. Once
     * taken, the audit starts afresh (the polls the previous holder applied are not its to check) and the loop reads
     * on from the stored positions.
     */
    private boolean takeLease() throws SQLException, InterruptedException {
        long now = System.nanoTime();
        if (now < nextLeaseAttemptNs) {
            Thread.sleep(Math.min(100, (nextLeaseAttemptNs - now) / 1_000_000 + 1));
            runTasks(); // each fails: work on the read store is the holder's
            return false;
        }
        nextLeaseAttemptNs = now + 1_000_000_000L;
        refreshLagStandingBy();
        if (!lease.tryAcquire(dataSource)) {
            return false;
        }
        log.info("took the read store's lease (epoch {}); applying events from the stored positions", lease.epoch());
        unconfirmed = null;
        audit.restart();
        return true;
    }

    private void applyLive(ConsumerRecords<String, byte[]> records) throws SQLException {
        List<ReadModel.Event> events = new ArrayList<>(records.count());
        List<DeadLetters.DeadLetter> dead = new ArrayList<>();
        Map<TopicPartition, Long> next = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
            try {
                events.add(decoder.decode(r.topic(), r.partition(), r.value()));
            } catch (RegistryUnavailableException e) {
                throw e; // not a bad event: the poll is read again from the stored positions
            } catch (RuntimeException e) {
                dead.add(new DeadLetters.DeadLetter(r, e.toString()));
            }
        }
        // Until the audit has this poll, a failure anywhere (the commit's answer lost, or the connection failing as it
        // goes back to the pool after a commit that went through) leaves the poll to seekToStored, which asks the stored
        // positions whether it landed: a poll the read store holds but the audit never saw would show its positions
        // as mismatches later.
        unconfirmed = new Unconfirmed(events, next);
        long batch = ++batches;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lease.renew(c);
                eventsApplied += live.apply(c, events, null);
                DeadLetters.record(c, NAME, dead);
                storeOffsets(c, ReadStore.LIVE, next);
                hooks.insideTransaction(batch, events);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            hooks.committed(batch, events);
        }
        unconfirmed = null;
        audit.apply(events, System.nanoTime());
        for (ReadModel.Event e : events) {
            Instant at = e.metadata().getRecordedAt();
            if (lastEventAt == null || at.isAfter(lastEventAt)) {
                lastEventAt = at;
            }
        }
        if (!dead.isEmpty()) {
            figures.deadLetters().add(dead.size());
            log.warn("{} records could not be decoded; kept in dead_letters: {}", dead.size(), dead.getFirst().reason());
        }
    }

    static void storeOffsets(Connection c, String schema, Map<TopicPartition, Long> next) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into " + schema + ".projection_offsets (topic, partition, "
                + "next_offset) values (?, ?, ?) on conflict (topic, partition) do update set next_offset = excluded.next_offset")) {
            for (Map.Entry<TopicPartition, Long> e : next.entrySet()) {
                ps.setString(1, e.getKey().topic());
                ps.setInt(2, e.getKey().partition());
                ps.setLong(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static Map<TopicPartition, Long> storedOffsets(Connection c, String schema) throws SQLException {
        Map<TopicPartition, Long> stored = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select topic, partition, next_offset from " + schema + ".projection_offsets");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                stored.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
            }
        }
        return stored;
    }

    private void seekToStored() throws SQLException {
        Map<TopicPartition, Long> stored;
        try (Connection c = dataSource.getConnection()) {
            stored = storedOffsets(c, ReadStore.LIVE);
        }
        Unconfirmed failed = unconfirmed;
        unconfirmed = null;
        if (failed != null && failed.landed(stored)) {
            audit.apply(failed.events(), System.nanoTime()); // its commit went through and only the answer was lost
        }
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long offset = stored.get(tp);
            if (offset == null) {
                fresh.add(tp);
            } else {
                consumer.seek(tp, offset);
            }
        }
        consumer.seekToBeginning(fresh);
    }

    /** Every transfers.events partition has a row naming its open window, so a close can move them all. */
    private void ensurePartitionRows() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into read.partition_windows (partition, window_id) "
                     + "select p, (select max(window_id) from read.settlement_windows) from generate_series(0, ? - 1) p "
                     + "on conflict (partition) do nothing")) {
            ps.setInt(1, transferPartitions);
            ps.executeUpdate();
        }
    }

    /**
     * Measures the lag at most twice a second. A broker too busy to answer within its timeout leaves the last figure
     * standing (its {@code measuredAt} says how old it is) and is asked again 5 s later: the lag is reported, never a
     * reason to stop applying events, and a loop that waited 2 s on every attempt would fall behind by itself.
     */
    private void refreshLag() {
        long now = System.nanoTime();
        if ((lagFailures > 0 && now - nextLagAttemptNs < 0) || lag.measuredAt().plusMillis(500).isAfter(Instant.now())) {
            return;
        }
        try {
            hooks.measuringLag();
            lag = ReadStoreLag.of(partitions, consumer.endOffsets(partitions, Duration.ofSeconds(2)),
                    tp -> consumer.position(tp, Duration.ofSeconds(2)), lastEventAt, eventsApplied);
            lagFailures = 0;
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            nextLagAttemptNs = now + LAG_RETRY_NS;
            if (lagFailures++ % 10 == 0) {
                log.warn("could not measure the read store's lag ({} in a row), keeping the figure of {}: {}", lagFailures,
                        lag.measuredAt(), e.toString());
            }
        }
    }

    /** The lag of the read store as its holder left it: the stored positions against the topics' ends. */
    private void refreshLagStandingBy() throws SQLException {
        lag = ReadStoreLag.fromStored(dataSource, consumer, partitions, lastEventAt, eventsApplied);
    }

    // ---- work run between polls ----

    /** Runs {@code work} on the handler's thread between two polls, while nothing else writes the live store. */
    <T> CompletableFuture<T> betweenPolls(Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            if (!running) {
                result.completeExceptionally(new IllegalStateException("the projection handler is not running",
                        failure));
                return;
            }
            if (!lease.held()) {
                result.completeExceptionally(new IllegalStateException("this projection instance stands by; "
                        + standingByFor() + " writes the read store, ask it"));
                return;
            }
            try {
                result.complete(work.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        if (!thread.isAlive()) {
            Runnable task = tasks.poll();
            if (task != null) {
                task.run();
            }
        }
        return result;
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    /** After a swap the live set is another table set: resume from its positions. */
    void reseek() throws SQLException {
        seekToStored();
    }

    KafkaConsumer<String, byte[]> newCatchUpConsumer() {
        return new KafkaConsumer<>(consumerConfig(bootstrap, settings.batchSizeMax(), settings.lingerMs()));
    }

    List<TopicPartition> partitions() {
        return partitions;
    }

    boolean startRebuild() {
        return rebuilding.compareAndSet(false, true);
    }

    void endRebuild() {
        rebuilding.set(false);
    }

    // ---- settlement windows ----

    /** Every few seconds: what the audit could not see for itself is looked up in the read store. */
    private void reconcileAudit() throws SQLException {
        long now = System.nanoTime();
        if (now < nextAuditCheckNs) {
            return;
        }
        // often enough that a commit whose sides came before a restart is closed before it counts as half committed
        nextAuditCheckNs = now + Math.min(5_000_000_000L, settings.halfCommittedAfter().toNanos() / 6);
        try (Connection c = dataSource.getConnection()) {
            audit.reconcile(c, ReadStore.LIVE, now);
        }
    }

    /** The settlement windows' closes as the event store holds them, for a rebuild. */
    WindowBoundaries windowBoundaries() throws SQLException {
        return settlementFeed.boundaries();
    }

    private void closeRequestedWindows() throws SQLException {
        long now = System.nanoTime();
        if (now < nextCloseCheckNs || rebuilding.get()) {
            return;
        }
        nextCloseCheckNs = now + settings.closeCheckEvery().toNanos();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lease.renew(c);
                settlementFeed.backfill(c);
                boolean closed = SettlementWindows.closeRequested(c, transferPartitions,
                        Instant.now().truncatedTo(ChronoUnit.MILLIS), settlementFeed);
                c.commit();
                if (closed) {
                    settlementFeed.closed();
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        settlementFeed.publishDue();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(3_000);
            if (thread.isAlive()) { // waiting for a database that is away: what it had not committed is read again
                thread.interrupt();
                thread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        settlementFeed.close();
    }

    /** Decodes both topics' envelopes; what comes off Kafka and what the event store holds are the same bytes. */
    final class EventDecoder {
        private final EventWireCodec<TransferEventEnvelope> transfers;
        private final EventWireCodec<ParticipantEventEnvelope> participants;

        EventDecoder(CachedSchemaRegistry registry) {
            transfers = new EventWireCodec<>(registry, HubTopics.TRANSFERS_EVENTS,
                    TransferEventEnvelope.getClassSchema());
            participants = new EventWireCodec<>(registry, HubTopics.PARTICIPANTS_EVENTS,
                    ParticipantEventEnvelope.getClassSchema());
        }

        ReadModel.Event decode(String topic, int partition, byte[] value) {
            if (topic.equals(HubTopics.TRANSFERS_EVENTS)) {
                TransferEventEnvelope e = transfers.decode(value);
                return new ReadModel.Event(partition, e.getMetadata(), e.getPayload());
            }
            ParticipantEventEnvelope e = participants.decode(value);
            return new ReadModel.Event(-1, e.getMetadata(), e.getPayload());
        }

        /** An event of the store: transfer streams get the partition their key maps to. */
        ReadModel.Event decodeStored(String streamId, byte[] payload) {
            if (streamId.startsWith("transfer-")) {
                TransferEventEnvelope e = transfers.decode(payload);
                EventMetadata m = e.getMetadata();
                return new ReadModel.Event(partitionOf(streamId.substring("transfer-".length())), m, e.getPayload());
            }
            ParticipantEventEnvelope e = participants.decode(payload);
            return new ReadModel.Event(-1, e.getMetadata(), e.getPayload());
        }
    }
}
