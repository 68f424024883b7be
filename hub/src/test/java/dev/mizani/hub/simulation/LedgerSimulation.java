package dev.mizani.hub.simulation;

import dev.mizani.gateway.participants.ParticipantsView;
import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.participants.domain.ParticipantDecider;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.participants.handler.ParticipantCodec;
import dev.mizani.participants.handler.PayeeDirectory;
import dev.mizani.participants.policy.TransferEventsTranslation;
import dev.mizani.platform.avro.Envelopes;
import dev.mizani.platform.commandloop.ProcessorSettings;
import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.policy.PendingCommands;
import dev.mizani.schemas.common.CommandPack;
import dev.mizani.platform.policy.PolicyStream;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.participant.AbortFundsOut;
import dev.mizani.schemas.participant.AddCurrency;
import dev.mizani.schemas.participant.CommitFundsOut;
import dev.mizani.schemas.participant.CreateParticipant;
import dev.mizani.schemas.participant.ParticipantCommandEnvelope;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.participant.RecordFundsIn;
import dev.mizani.schemas.participant.RecordFundsOut;
import dev.mizani.schemas.participant.ReserveFundsOut;
import dev.mizani.schemas.participant.SetInitialPosition;
import dev.mizani.schemas.participant.SetNetDebitCap;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.transfer.TransferCommandEnvelope;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import dev.mizani.transfers.domain.Transfer;
import dev.mizani.transfers.domain.TransferCommand;
import dev.mizani.transfers.domain.TransferDecider;
import dev.mizani.transfers.domain.TransferEvent;
import dev.mizani.transfers.handler.TransferCodec;
import dev.mizani.transfers.policy.ParticipantEventsTranslation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KeyValue;

/**
 * The hub's choreography on the production code, in one thread, driven by one seed: both command handlers are
 * the production {@link dev.mizani.platform.commandloop.CommandLoop} on an in-memory store and topics, both
 * policies the production translations, the payee directory and the gateway's participants view the
 * production folds. Faults come from {@link SimFaults}: store calls that fail, commits whose outcome is lost,
 * the database or broker away, sends half done, handlers dying between any two side effects, the whole process
 * dying (policies go back to their last commit, views are rebuilt from the start), rebalances, and views
 * trailing their streams. {@link LedgerInvariants} checks the outcome; any run replays from its seed.
 */
final class LedgerSimulation {
    /**
     * @param faults      the store's and broker's faults
     * @param hubCrash    chance per step that the whole process dies
     * @param policyCrash chance per step that a policy dies and translates again from its last commit
     * @param rebalance   chance per step that a handler's group rebalances
     */
    record Faults(SimFaults.Rates faults, double hubCrash, double policyCrash, double rebalance) {
        static final Faults NONE = new Faults(SimFaults.Rates.NONE, 0, 0, 0);
    }

    static final List<String> DFSPS = List.of("dfsp-a", "dfsp-b", "dfsp-c", "dfsp-d", "dfsp-e");
    private static final int PARTITIONS = 4;
    private static final long REFIRE_AFTER_MS = 5_000;

    final long seed;
    final Random random;
    final SimClock clock = new SimClock();
    final Faults faults;
    final SimFaults injected;
    final CachedSchemaRegistry registry = new CachedSchemaRegistry(new SimRegistry());
    final Map<String, SimTopic> topics = new LinkedHashMap<>();
    final SimHandler<TransferCommand, TransferEvent, Transfer> transfers;
    final SimHandler<ParticipantCommand, ParticipantEvent, Participant> participants;
    final SimDfsps dfsps;
    private final AvroWireCodec<TransferCommandEnvelope> transferCommands;
    private final AvroWireCodec<ParticipantCommandEnvelope> participantCommands;
    private final EventWireCodec<ParticipantEventEnvelope> participantEvents;
    private final EventWireCodec<TransferEventEnvelope> transferEvents;
    private final PolicyStream.Translation participantsPolicy;
    private final PolicyStream.Translation transfersPolicy;
    private final PolicyStream.Packer participantsPacker;
    private final Map<String, Instant> timers = new HashMap<>();
    private final Map<String, Instant> firedAt = new HashMap<>();
    /** The views of participants.events, rebuilt from the start whenever the process restarts. */
    PayeeDirectory payees = new PayeeDirectory();
    ParticipantsView gatewayView;
    private final List<Policy> policies = new ArrayList<>();
    private final List<SimFollower> views = new ArrayList<>();
    private SimFollower notifier;
    long hubCrashes;
    long policyCrashes;
    long rebalances;
    private long adminSeq;

    /**
     * A policy at least once: its position in memory, its last commit durable. A packing one (the participants')
     * holds the commands it derives until it sends them, in a store that its commit makes durable with its position,
     * as Kafka Streams flushes a store before it commits offsets: a crash takes both back to that commit.
     */
    private static final class Policy {
        final SimFollower follower;
        final Committed committed;
        final PolicyStream.Packer packer;
        final SimTopic to;
        final Map<String, byte[]> store = new LinkedHashMap<>();
        PendingCommands pending;

        /** What a policy's last commit made durable: its offsets and (packing) its store. */
        record Committed(Map<Integer, Long> offsets, Map<String, byte[]> store) {
            Committed() {
                this(new HashMap<>(), new LinkedHashMap<>());
            }
        }

        Policy(SimFollower follower, Committed committed, PolicyStream.Packer packer, SimTopic to) {
            this.follower = follower;
            this.committed = committed;
            this.packer = packer;
            this.to = to;
            crash();
        }

        /** Back to the last commit: its offsets, and the commands its store held then. */
        void crash() {
            follower.rewindTo(committed.offsets());
            store.clear();
            store.putAll(committed.store());
            // small packs, so the simulation also fills some and sends them before a punctuation
            pending = packer == null ? null : new PendingCommands(packer, 3);
            store.forEach((key, held) -> pending.restore(key, held, 0));
        }

        void derived(String key, byte[] command, long source) {
            if (pending == null) {
                to.append(key, command, EventPositions.sourceHeaders(source));
            } else {
                byte[] held = pending.add(key, source, command, 0,
                        (k, value, timestamp, position) -> to.append(k, value, EventPositions.sourceHeaders(position)));
                if (held == null) {
                    store.remove(key);
                } else {
                    store.put(key, held);
                }
            }
        }

        /** A punctuation: what is held goes out. */
        void send() {
            if (pending != null) {
                pending.send((key, value, timestamp, source) -> to.append(key, value, EventPositions.sourceHeaders(source)))
                        .forEach(store::remove);
            }
        }

        void commit() {
            committed.offsets().clear();
            committed.offsets().putAll(follower.position());
            committed.store().clear();
            committed.store().putAll(store);
        }
    }

    LedgerSimulation(long seed, Faults faults) {
        this.seed = seed;
        this.random = new Random(seed);
        this.faults = faults;
        this.injected = new SimFaults(random, faults.faults());
        for (String t : List.of(HubTopics.TRANSFERS_COMMANDS, HubTopics.TRANSFERS_EVENTS, HubTopics.PARTICIPANTS_COMMANDS,
                HubTopics.PARTICIPANTS_EVENTS)) {
            topics.put(t, new SimTopic(t, PARTITIONS));
            topics.put(HubTopics.deadLetters(t), new SimTopic(HubTopics.deadLetters(t), 1));
        }
        transferCommands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.TRANSFERS_COMMANDS),
                TransferCommandEnvelope.getClassSchema());
        participantCommands = new AvroWireCodec<>(registry, HubTopics.valueSubject(HubTopics.PARTICIPANTS_COMMANDS),
                ParticipantCommandEnvelope.getClassSchema());
        participantEvents = new EventWireCodec<>(registry, HubTopics.PARTICIPANTS_EVENTS,
                ParticipantEventEnvelope.getClassSchema());
        transferEvents = new EventWireCodec<>(registry, HubTopics.TRANSFERS_EVENTS,
                TransferEventEnvelope.getClassSchema());
        participantsPolicy = TransferEventsTranslation.create(registry);
        participantsPacker = TransferEventsTranslation.packer(registry);
        transfersPolicy = ParticipantEventsTranslation.create(registry);
        // Small caches and frequent snapshots, so evictions, reloads and snapshot + tail are exercised too.
        transfers = new SimHandler<>(settings("transfers", HubTopics.TRANSFERS_COMMANDS, HubTopics.TRANSFERS_EVENTS),
                new TransferDecider(), new TransferCodec(registry), new SimStore(injected, this::index),
                topics.get(HubTopics.TRANSFERS_COMMANDS), topics, injected, clock, 40);
        participants = new SimHandler<>(settings("participants", HubTopics.PARTICIPANTS_COMMANDS,
                HubTopics.PARTICIPANTS_EVENTS), new ParticipantDecider(),
                new ParticipantCodec(registry, reserve -> payees.payee(reserve)), new SimStore(injected, events -> { }),
                topics.get(HubTopics.PARTICIPANTS_COMMANDS), topics, injected, clock, 40);
        this.dfsps = new SimDfsps(this);
        startProcess();
    }

    private static ProcessorSettings settings(String name, String commands, String events) {
        return ProcessorSettings.defaults(name, commands, events).withCacheSizeMax(16).withSnapshotEvery(4);
    }

    /** The process (re)starts: views read their stream from the start, policies resume at their last commit. */
    private void startProcess() {
        payees = new PayeeDirectory();
        gatewayView = new ParticipantsView(registry);
        views.clear();
        views.add(new SimFollower(topics.get(HubTopics.PARTICIPANTS_EVENTS),
                r -> payees.apply(participantEvents.decode(r.value()))));
        views.add(new SimFollower(topics.get(HubTopics.PARTICIPANTS_EVENTS),
                r -> gatewayView.apply(r.partition(), r.offset(), r.value())));
        if (notifier == null) {
            notifier = new SimFollower(topics.get(HubTopics.TRANSFERS_EVENTS), this::notify);
        }
        List<Policy.Committed> committed = policies.stream().map(p -> p.committed).toList();
        policies.clear();
        policies.add(policy(HubTopics.TRANSFERS_EVENTS, HubTopics.PARTICIPANTS_COMMANDS, participantsPolicy,
                participantsPacker, committed.isEmpty() ? new Policy.Committed() : committed.get(0)));
        policies.add(policy(HubTopics.PARTICIPANTS_EVENTS, HubTopics.TRANSFERS_COMMANDS, transfersPolicy, null,
                committed.isEmpty() ? new Policy.Committed() : committed.get(1)));
        // As the hub does, the participants handler starts once the payee directory has read what was there.
        views.getFirst().step(Integer.MAX_VALUE, random);
        transfers.start();
        participants.start();
    }

    private Policy policy(String from, String to, PolicyStream.Translation translation, PolicyStream.Packer packer,
                          Policy.Committed committed) {
        Policy[] policy = new Policy[1];
        SimFollower follower = new SimFollower(topics.get(from), r -> {
            long source = EventPositions.of(r.headers(), EventPositions.POSITION_HEADER);
            for (KeyValue<String, byte[]> c : translation.commandsFor(r.value())) {
                policy[0].derived(c.key, c.value, source);
            }
        });
        policy[0] = new Policy(follower, committed, packer, topics.get(to));
        return policy[0];
    }

    /**
     * The transfers handler's expiry timers, written with each batch as {@code TransferTimers} writes its rows: one for
     * each accepted prepare, none removed by a terminal event (the scheduler asks the store, below).
     */
    private void index(List<Object> events) {
        for (Object e : events) {
            if (e instanceof TransferEvent.TransferPrepareAccepted a) {
                timers.putIfAbsent(a.transferId(), a.expiration());
            }
        }
    }

    /** Whether the transfer's stream in the store holds a terminal event, as {@code ExpiryScheduler} asks. */
    private boolean ended(String transferId) {
        return transfers.store.streams.getOrDefault("transfer-" + transferId, List.of()).stream()
                .anyMatch(e -> TERMINAL.contains(e.eventType()));
    }

    private static final Set<String> TERMINAL = Set.of(TransferEvent.TransferCommitted.class.getSimpleName(),
            TransferEvent.TransferAborted.class.getSimpleName(), TransferEvent.TransferExpired.class.getSimpleName());

    /** The callback notifier: a reserved prepare reaches its payee (at least once). */
    private void notify(ConsumerRecord<String, byte[]> r) {
        if (transferEvents.decode(r.value()).getPayload() instanceof TransferReserved reserved) {
            dfsps.payeeReceived(reserved);
        }
    }

    void onboard() {
        for (String dfsp : DFSPS) {
            admin(dfsp, new CreateParticipant(dfsp));
            admin(dfsp, new AddCurrency(dfsp, "USD"));
            // dfsp-e runs into its net debit cap (4200), dfsp-d into its liquidity cover (4001).
            long ndc = dfsp.equals("dfsp-e") ? 40_000L + random.nextInt(20_000) : 300_000L + random.nextInt(2_000_000);
            long cover = dfsp.equals("dfsp-d") ? 50_000L + random.nextInt(20_000) : 400_000L + random.nextInt(2_000_000);
            admin(dfsp, new SetNetDebitCap(dfsp, "USD", ndc));
            admin(dfsp, new SetInitialPosition(dfsp, "USD", (long) random.nextInt(5_000) - 2_500));
            admin(dfsp, new RecordFundsIn(dfsp, "USD", cover, "seed-" + dfsp));
        }
        // One participant never gets the currency, one is deactivated later: the 3100 paths.
        admin("dfsp-f", new CreateParticipant("dfsp-f"));
    }

    /** An operator's command through the admin API: recorded on the topic (the broker is up for the operator). */
    void admin(String key, SpecificRecord command) {
        topics.get(HubTopics.PARTICIPANTS_COMMANDS).append(key, participantCommands.encode(new ParticipantCommandEnvelope(
                Envelopes.issued("admin-" + (++adminSeq), "admin-" + adminSeq, clock.now()), command)));
    }

    /** A DFSP's request through the gateway: on the topic, or refused (503) while the broker is away. */
    boolean send(String key, String commandId, SpecificRecord command) {
        if (injected.brokerDown) {
            return false;
        }
        topics.get(HubTopics.TRANSFERS_COMMANDS).append(key, transferCommands.encode(new TransferCommandEnvelope(
                Envelopes.issued(commandId, key, clock.now()), command)));
        return true;
    }

    void fundsAction() {
        String dfsp = DFSPS.get(random.nextInt(DFSPS.size()));
        String id = random.nextInt(10) == 0 && adminSeq > 0 ? "funds-" + random.nextInt((int) adminSeq) : "funds-" + adminSeq;
        long amount = 1 + random.nextInt(20_000);
        int kind = random.nextInt(6);
        if (kind < 2) {
            admin(dfsp, new RecordFundsIn(dfsp, "USD", amount, id));
        } else if (kind == 2) {
            admin(dfsp, new RecordFundsOut(dfsp, "USD", amount, id));
        } else if (kind == 3 || fundsOutOpen.isEmpty()) {
            admin(dfsp, new ReserveFundsOut(dfsp, "USD", amount, id));
            fundsOutOpen.add(new String[] {dfsp, id});
        } else {
            // Commit or abort a prepared funds out (or one the participant refused: then the commit is refused too).
            String[] open = fundsOutOpen.remove(random.nextInt(fundsOutOpen.size()));
            admin(open[0], random.nextBoolean() ? new CommitFundsOut(open[0], open[1]) : new AbortFundsOut(open[0], open[1]));
        }
    }

    private final List<String[]> fundsOutOpen = new ArrayList<>();

    /** One turn of the world: faults, clients, both handlers, both policies, the views, the timers, time. */
    void step(boolean clientsActive) {
        injected.weather();
        if (injected.chance(faults.hubCrash())) {
            hubCrashes++;
            transfers.crash();
            participants.crash();
        }
        if (transfers.down() && participants.down() && random.nextInt(3) == 0) {
            startProcess();
        } else {
            restartMaybe(transfers);
            restartMaybe(participants);
        }
        if (injected.chance(faults.rebalance())) {
            rebalances++;
            SimHandler<?, ?, ?> handler = random.nextBoolean() ? transfers : participants;
            if (random.nextBoolean()) {
                handler.rebalance();
            } else {
                handler.zombify();
            }
        }
        if (clientsActive) {
            dfsps.act();
        }
        dfsps.answerDue();
        for (int i = random.nextInt(4); i >= 0; i--) {
            transfers.turn();
            participants.turn();
        }
        for (Policy p : policies) {
            if (injected.chance(faults.policyCrash())) {
                policyCrashes++;
                p.crash();
            }
            if (!injected.brokerDown) {
                p.follower.step(random.nextInt(30), random);
                if (random.nextInt(3) != 0) { // a punctuation is due
                    p.send();
                }
                if (random.nextInt(4) == 0) { // at least once: the commit interval passed
                    p.commit();
                }
            }
        }
        views.forEach(v -> v.step(random.nextInt(12), random));
        notifier.step(random.nextInt(30), random);
        fireExpiryTimers();
        clock.advanceMs(random.nextInt(25));
    }

    /** A handler that died alone (its supervisor replaces it); the payee directory outlives it in the process. */
    private void restartMaybe(SimHandler<?, ?, ?> handler) {
        if (handler.down() && !(transfers.down() && participants.down()) && random.nextInt(4) == 0) {
            handler.start();
        }
    }

    /**
     * The expiry scheduler: a due timer whose transfer has ended in the store is dropped; any other fires
     * ExpireTransfer, and again if nothing ended it within a while.
     */
    private void fireExpiryTimers() {
        Instant now = clock.now();
        for (Map.Entry<String, Instant> t : List.copyOf(timers.entrySet())) {
            Instant fired = firedAt.get(t.getKey());
            if (!now.isBefore(t.getValue()) && (fired == null || fired.plusMillis(REFIRE_AFTER_MS).isBefore(now))
                    && !injected.databaseDown && !injected.brokerDown) {
                String id = t.getKey();
                if (ended(id)) {
                    timers.remove(id);
                    continue;
                }
                topics.get(HubTopics.TRANSFERS_COMMANDS).append(id, ((TransferCodec) transfers.codec)
                        .encodeCommand("expire:" + id, id, now, new TransferCommand.ExpireTransfer(id, now)));
                firedAt.put(id, now);
            }
        }
    }

    /** Stop new work and every fault, let every expiration pass, and run until nothing is in flight anywhere. */
    void drain() {
        injected.rates = SimFaults.Rates.NONE;
        injected.databaseDown = false;
        injected.brokerDown = false;
        Faults quiet = Faults.NONE;
        clock.advanceMs(120_000);
        for (int guard = 0; guard < 1_000_000; guard++) {
            if (transfers.down() && participants.down()) {
                startProcess();
            }
            restartMaybe(transfers);
            restartMaybe(participants);
            if (quietNow()) {
                return;
            }
            stepQuietly(quiet);
            clock.advanceMs(200);
        }
        throw new AssertionError("simulation did not drain; seed " + seed + "; " + injected + "; transfers idle "
                + transfers.idle() + " (down " + transfers.down() + "), participants idle " + participants.idle()
                + " (down " + participants.down() + "), clients idle " + dfsps.idle() + ", timers " + timers.size()
                + ", policies at end " + policies.stream().map(p -> p.follower.atEnd()).toList() + ", views at end "
                + views.stream().map(SimFollower::atEnd).toList() + ", notifier at end " + notifier.atEnd());
    }

    private void stepQuietly(Faults quiet) {
        dfsps.answerDue();
        transfers.turn();
        participants.turn();
        policies.forEach(p -> {
            p.follower.step(Integer.MAX_VALUE, random);
            p.send();
            p.commit();
        });
        views.forEach(v -> v.step(Integer.MAX_VALUE, random));
        notifier.step(Integer.MAX_VALUE, random);
        fireExpiryTimers();
    }

    private boolean quietNow() {
        return transfers.idle() && participants.idle() && dfsps.idle() && timers.isEmpty()
                && policies.stream().allMatch(p -> p.follower.atEnd() && p.store.isEmpty()) && views.stream().allMatch(SimFollower::atEnd)
                && notifier.atEnd();
    }

    /** Records of participants.commands that hold a pack of the policy's commands. */
    int commandPacks() {
        SimTopic commands = topics.get(HubTopics.PARTICIPANTS_COMMANDS);
        int packs = 0;
        for (int p = 0; p < commands.partitionCount(); p++) {
            for (long o = 0; o < commands.endOffset(p); o++) {
                if (participantCommands.decode(commands.at(p, o).value()).getPayload() instanceof CommandPack) {
                    packs++;
                }
            }
        }
        return packs;
    }

    String summary() {
        return injected + ", " + hubCrashes + " process crashes, " + policyCrashes + " policy crashes, " + rebalances
                + " rebalances (" + (transfers.zombies + participants.zombies) + " leaving a stale instance writing), "
                + "handler restarts " + transfers.restarts + "/" + participants.restarts;
    }
}
