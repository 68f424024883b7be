package dev.mizani.hub;

import dev.mizani.embedded.InfrastructureSettings;
import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.participants.domain.ParticipantDecider;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.participants.handler.ParticipantCodec;
import dev.mizani.participants.handler.ParticipantDirectory;
import dev.mizani.participants.policy.TransferEventsTranslation;
import dev.mizani.platform.commandloop.CommandProcessor;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.commandloop.ProcessorMetrics;
import dev.mizani.platform.commandloop.TransactionalIndex;
import dev.mizani.platform.commandloop.ProcessorSettings;
import dev.mizani.platform.eventstore.Database;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.kafka.Topics;
import dev.mizani.platform.health.DatabaseProbe;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.platform.policy.PolicyStream;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.transfers.domain.Transfer;
import dev.mizani.transfers.domain.TransferCommand;
import dev.mizani.transfers.domain.TransferDecider;
import dev.mizani.transfers.domain.TransferEvent;
import dev.mizani.transfers.handler.EndedTransfers;
import dev.mizani.transfers.handler.ExpiryScheduler;
import dev.mizani.transfers.handler.TransferCodec;
import dev.mizani.transfers.handler.TransferTimers;
import dev.mizani.transfers.policy.ParticipantEventsTranslation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Every service of the hub on given infrastructure: both command handlers, the participant directory,
 * the expiry scheduler and both policies. Handlers and policies only meet through the topics. Closing
 * stops them in reverse order of start.
 */
public final class HubServices implements AutoCloseable {
    public final ParticipantDirectory directory;
    public final ParticipantCodec participantCodec;
    public final TransferCodec transferCodec;
    private final List<Supervisor<ParticipantCommand, ParticipantEvent, Participant>> participants;
    private final List<Supervisor<TransferCommand, TransferEvent, Transfer>> transfers;
    public final ExpiryScheduler expiry;
    /** Every service's figures, for the query API's {@code /metrics}; the embedding process may add its own. */
    public final Metrics metrics = Metrics.ofProcess();
    /** Every service's checks, served at each API's {@code /health}; the embedding process may add its own. */
    public final Health health = new Health();
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final DatabaseProbe database;
    /** How long the database may be silent, or a handler fail every batch, before transfers are refused. */
    private static final Duration UNAVAILABLE_AFTER = Duration.ofSeconds(2);
    private static final int RESTARTS_MAX = 5;
    private static final Duration RESTART_WINDOW = Duration.ofMinutes(1);

    /** @param transfersHooks crash points of the transfers handler, for tests; {@link ProcessorHooks#NONE} otherwise */
    public HubServices(String bootstrap, DataSource dataSource, CachedSchemaRegistry registry, Clock clock,
                       Path stateDir, Map<String, String> env, ProcessorHooks transfersHooks) {
        this(bootstrap, dataSource, registry, clock, stateDir, env, transfersHooks, EnumSet.allOf(Service.class));
    }

    /**
     * Only the command-side services in {@code services} run here ({@link Service#TRANSFERS}: the transfers handler,
     * its expiry scheduler and the policy feeding it; {@link Service#PARTICIPANTS}: the participants handler, its
     * payee directory and its policy); other processes run the rest. The database probe always runs.
     */
    public HubServices(String bootstrap, DataSource dataSource, CachedSchemaRegistry registry, Clock clock,
                       Path stateDir, Map<String, String> env, ProcessorHooks transfersHooks, Set<Service> services) {
        EventStore store = new EventStore(dataSource);
        database = start(new DatabaseProbe(dataSource, Duration.ofMillis(500), UNAVAILABLE_AFTER).start());
        health.register("database", database::check);
        String instanceId = KafkaClients.instanceId(env, stateDir);
        boolean runsParticipants = services.contains(Service.PARTICIPANTS);
        boolean runsTransfers = services.contains(Service.TRANSFERS);
        directory = runsParticipants ? start(new ParticipantDirectory(bootstrap, registry, store).start()) : null;
        if (directory != null) {
            health.register("participant-directory", directory::check);
        }
        participantCodec = new ParticipantCodec(registry, runsParticipants ? directory::payee : command -> {
            throw new IllegalStateException("the participants handler runs in another process");
        });
        transferCodec = new TransferCodec(registry);
        ProcessorSettings participantSettings = ProcessorSettings
                .defaults("participants", HubTopics.PARTICIPANTS_COMMANDS, HubTopics.PARTICIPANTS_EVENTS)
                .withEnv("MIZANI_PARTICIPANTS", env);
        ProcessorSettings transferSettings = ProcessorSettings
                .defaults("transfers", HubTopics.TRANSFERS_COMMANDS, HubTopics.TRANSFERS_EVENTS)
                .withEnv("MIZANI_TRANSFERS", env);
        ProcessorMetrics participantMetrics = new ProcessorMetrics(metrics, "participants");
        ProcessorMetrics transferMetrics = new ProcessorMetrics(metrics, "transfers");
        participants = supervised("participants", runsParticipants ? instances(env, "MIZANI_PARTICIPANTS_INSTANCES") : 0,
                i -> new CommandProcessor<>(participantSettings.withGroupInstanceId(instanceId + "-participants-" + i),
                        new ParticipantDecider(), participantCodec, store, bootstrap, clock, ProcessorHooks.NONE, null,
                        TransactionalIndex.NONE, participantMetrics));
        // what this process's transfers handler ended, so that its expiry scheduler need not ask the store (about
        // 100 bytes each: 20 MB at most; one not remembered is asked of the store)
        EndedTransfers endedHere = new EndedTransfers(200_000);
        transfers = supervised("transfers", runsTransfers ? instances(env, "MIZANI_TRANSFERS_INSTANCES") : 0,
                i -> new CommandProcessor<>(transferSettings.withGroupInstanceId(instanceId + "-transfers-" + i),
                        new TransferDecider(), transferCodec, store, bootstrap, clock, transfersHooks, null,
                        new TransferTimers(endedHere), transferMetrics));
        expiry = runsTransfers ? start(new ExpiryScheduler(dataSource, bootstrap, transferCodec, clock,
                Duration.ofMillis(100), Duration.ofSeconds(5), 100, endedHere).start()) : null;
        String guarantee = env.getOrDefault("MIZANI_POLICY_GUARANTEE", "at_least_once");
        if (runsParticipants) {
            // Off by default: packing meets issue 26's records budget but costs the policy more CPU than it saves
            // anywhere on one machine (decision 013). Packs need participants handlers that read them: a rolling
            // upgrade turns it on only after every one runs this version.
            boolean packing = env.getOrDefault("MIZANI_POLICY_PACKING", "off").equalsIgnoreCase("on");
            PolicyStream policy = start(new PolicyStream("participants-policy", bootstrap, HubTopics.TRANSFERS_EVENTS,
                    HubTopics.PARTICIPANTS_COMMANDS, TransferEventsTranslation.create(registry),
                    packing ? TransferEventsTranslation.packer(registry) : null,
                    stateDir.resolve("participants-policy"), guarantee, instanceId).start());
            health.register("participants-policy", policy::check);
        }
        if (runsTransfers) {
            PolicyStream policy = start(new PolicyStream("transfers-policy", bootstrap, HubTopics.PARTICIPANTS_EVENTS,
                    HubTopics.TRANSFERS_COMMANDS, ParticipantEventsTranslation.create(registry),
                    stateDir.resolve("transfers-policy"), guarantee, instanceId).start());
            health.register("transfers-policy", policy::check);
        }
    }

    /**
     * Why nothing can be committed now, or null when transfers can be: the database has not answered for a while,
     * or a handler has no instance running or keeps failing its batches. The gateway refuses new FSPIOP requests
     * with 503 (2003) meanwhile, rather than accept what it cannot carry out before it expires.
     */
    public String commitsBlocked() {
        if (!database.up()) {
            return "the database is unavailable";
        }
        for (var handler : List.of(transfers, participants)) {
            for (Supervisor<?, ?, ?> s : handler) {
                CommandProcessor<?, ?, ?> p = s.current();
                if ((p.status() != CommandProcessor.Status.RUNNING && p.status() != CommandProcessor.Status.CREATED)
                        || p.failingFor().compareTo(UNAVAILABLE_AFTER) > 0) {
                    return "a command handler cannot commit (" + p.status() + ")";
                }
            }
        }
        return null;
    }

    /** How often an instance of the transfers handler was replaced after it stopped. */
    public int transfersRestarts() {
        return transfers.stream().mapToInt(Supervisor::restarts).sum();
    }

    /**
     * Instances of one handler in one consumer group, each under its own supervisor. The group splits the command
     * topic's partitions among them, and each partition keeps a single writer: more instances commit to PostgreSQL
     * side by side, where one instance's loop waits for each commit before its next batch.
     */
    private <C, E, S> List<Supervisor<C, E, S>> supervised(String name, int instances,
                                                         IntFunction<CommandProcessor<C, E, S>> factory) {
        List<Supervisor<C, E, S>> supervisors = new ArrayList<>();
        if (instances == 0) {
            return List.of(); // runs in another process, which reports its health
        }
        for (int i = 0; i < instances; i++) {
            int instance = i;
            supervisors.add(start(new Supervisor<>(name, () -> factory.apply(instance), RESTARTS_MAX, RESTART_WINDOW,
                    metrics)));
        }
        metrics.gauge("mizani_processor_up", "Instances of the handler running",
                () -> supervisors.stream().filter(s -> s.current().status() == CommandProcessor.Status.RUNNING).count(),
                "processor", name);
        health.register(name + "-handler", () -> handlerHealth(supervisors));
        return List.copyOf(supervisors);
    }

    /** Up while every instance runs; a supervisor that gave up leaves its instance stopped, and this says why. */
    private static Health.Check handlerHealth(List<? extends Supervisor<?, ?, ?>> supervisors) {
        for (Supervisor<?, ?, ?> s : supervisors) {
            CommandProcessor<?, ?, ?> current = s.current();
            if (current.status() != CommandProcessor.Status.RUNNING && current.status() != CommandProcessor.Status.CREATED) {
                return Health.Check.down(current.status() + ": " + current.failure());
            }
            if (current.failingFor().compareTo(UNAVAILABLE_AFTER) > 0) {
                return Health.Check.down("every batch failing for " + current.failingFor().toMillis() + " ms");
            }
        }
        return Health.Check.up(supervisors.size() + " instance(s) running");
    }

    private static int instances(Map<String, String> env, String variable) {
        int n = InfrastructureSettings.intOf(env, variable, 1);
        if (n < 1 || n > 16) {
            throw new IllegalArgumentException(variable + " is " + n + ": 1 to 16 instances");
        }
        return n;
    }

    /** How long the hub's topics keep their records by default: a week. */
    public static final long TOPIC_RETENTION_MS_DEFAULT = 7L * 24 * 3600 * 1000;

    /** The event store's and the contexts' tables, then the topics (with their dead-letter topics). */
    public static void prepare(DataSource dataSource, String bootstrap, int partitions) {
        prepare(dataSource, bootstrap, partitions, TOPIC_RETENTION_MS_DEFAULT);
    }

    /**
     * @param retentionMs how long the topics the hub creates keep records (deleted after, never compacted). The event
     *                    store is the system of record and every view starts from it, so retention only bounds how
     *                    far back a consumer can read the feed, and how long a stopped handler may stay stopped before
     *                    commands sent meanwhile are gone
     */
    public static void prepare(DataSource dataSource, String bootstrap, int partitions, long retentionMs) {
        Database.migrate(dataSource);
        Database.migrate(dataSource, "classpath:db/transfers", "flyway_history_transfers");
        Map<String, Integer> topics = new LinkedHashMap<>();
        for (String topic : HubTopics.envelopes().keySet()) {
            topics.put(topic, partitions);
        }
        topics.put(HubTopics.SETTLEMENT_EVENTS, 1); // a window closes every few hours: one partition, one order
        for (String commands : new String[] {HubTopics.TRANSFERS_COMMANDS, HubTopics.PARTICIPANTS_COMMANDS}) {
            topics.put(HubTopics.deadLetters(commands), 1);
        }
        topics.put(HubTopics.CALLBACK_DEAD_LETTERS, 1);
        Topics.ensure(bootstrap, topics, (short) 1, Map.of("cleanup.policy", "delete",
                "retention.ms", Long.toString(retentionMs)));
        // what each gateway admitted a moment ago: worth nothing after a minute, kept an hour for diagnosis
        Topics.ensure(bootstrap, Map.of(HubTopics.GATEWAY_LOAD, 1), (short) 1, Map.of("cleanup.policy", "delete",
                "retention.ms", Long.toString(Math.min(retentionMs, 3_600_000L))));
    }

    private <T extends AutoCloseable> T start(T service) {
        started.push(service);
        return service;
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                // Keep stopping the rest; each service logs its own failure.
            }
        }
        metrics.close();
    }
}
