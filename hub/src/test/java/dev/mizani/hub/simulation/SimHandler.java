package dev.mizani.hub.simulation;

import dev.mizani.platform.commandloop.AggregateCodec;
import dev.mizani.platform.commandloop.CommandLoop;
import dev.mizani.platform.commandloop.CommitStage;
import dev.mizani.platform.commandloop.FencedException;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.commandloop.ProcessorMetrics;
import dev.mizani.platform.commandloop.ProcessorSettings;
import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.eventstore.StoredEvent;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;

/**
 * One command handler as production runs it, the production {@link CommandLoop} with its {@link
 * dev.mizani.platform.commandloop.BatchDecider}, store transaction and publication, on simulated ports: a
 * {@link SimStore} that survives crashes, a {@link SimSource} and a {@link SimSink} on the simulated topics. A
 * crash drops the loop with everything in its memory; a restart builds a new one on the same store, as a
 * supervisor or a restarted process would.
 */
final class SimHandler<C, E, S> {
    private final ProcessorSettings settings;
    private final Decider<C, E, S> decider;
    final AggregateCodec<C, E, S> codec;
    final SimStore store;
    private final SimTopic commands;
    private final Map<String, SimTopic> outputs;
    private final SimFaults faults;
    private final SimClock clock;
    private final int batchMax;
    private CommandLoop<C, E, S> loop;
    private SimSource source;
    /** An instance that lost its partitions without knowing it yet (a long pause, a network split): it still writes. */
    private CommandLoop<C, E, S> zombie;
    private int zombieTurnsLeft;
    long zombies;
    long turns;
    long transientFailures;
    long restarts;

    SimHandler(ProcessorSettings settings, Decider<C, E, S> decider, AggregateCodec<C, E, S> codec, SimStore store,
               SimTopic commands, Map<String, SimTopic> outputs, SimFaults faults, SimClock clock, int batchMax) {
        this.settings = settings;
        this.decider = decider;
        this.codec = codec;
        this.store = store;
        this.commands = commands;
        this.outputs = outputs;
        this.faults = faults;
        this.clock = clock;
        this.batchMax = batchMax;
    }

    boolean down() {
        return loop == null;
    }

    /** A new instance on the same store; it takes the partitions over at its first turn. */
    void start() {
        source = new SimSource(commands, faults, batchMax);
        loop = new CommandLoop<>(settings, decider, codec, store, source, new SimSink(outputs, faults), clock,
                ProcessorHooks.NONE, ProcessorMetrics.unregistered(settings.name()), CommitStage.whenAwaited());
        try {
            loop.start(null);
        } catch (SQLException e) {
            throw new AssertionError("subscribing touches no store", e);
        }
        restarts++;
    }

    void crash() {
        zombie = null;
        loop = null;
        source = null;
    }

    /**
     * The instance stalls past its session: the group gives its partitions to a new instance, while the stalled one
     * wakes up still believing it owns them and turns a few more times before it learns otherwise. Whatever it
     * tries to commit must be refused (the offset it expects, or a stream version, has moved), never applied twice.
     */
    void zombify() {
        if (loop == null) {
            return;
        }
        zombies++;
        zombie = loop;
        zombieTurnsLeft = 1 + faults.random.nextInt(4);
        start();
    }

    void rebalance() {
        if (source != null) {
            source.rebalance();
        }
    }

    /**
     * One turn of the loop. A database or broker failure leaves the loop to rewind at its next turn, as the
     * processor's retry does; a crash or a fence ends this instance. Anything else is a bug and fails the run.
     */
    void turn() {
        if (zombie != null) {
            try {
                zombie.turn();
            } catch (SQLException | KafkaException e) {
                // it retries, as long as it lives
            } catch (SimFaults.Crash | FencedException e) {
                zombieTurnsLeft = 0;
            }
            if (--zombieTurnsLeft <= 0) {
                zombie = null;
            }
        }
        if (loop == null) {
            return;
        }
        turns++;
        try {
            loop.turn();
        } catch (SQLException | KafkaException e) {
            transientFailures++;
        } catch (SimFaults.Crash | FencedException e) {
            crash();
        }
    }

    /** Nothing left to consume, nothing committed but unpublished. */
    boolean idle() {
        if (loop == null || !source.atEnd()) {
            return false;
        }
        Map<org.apache.kafka.common.TopicPartition, dev.mizani.platform.commandloop.CommandStore.StoredOffset> offsets = store.offsets();
        for (int p = 0; p < commands.partitionCount(); p++) {
            var stored = offsets.get(new org.apache.kafka.common.TopicPartition(commands.name, p));
            if (stored == null || stored.unpublishedPositions().length > 0
                    || Math.max(stored.nextOffset(), 0) != commands.endOffset(p)) {
                return false;
            }
        }
        return true;
    }

    /** Every stream's events decoded, in version order: what the aggregates are. */
    Map<String, List<E>> logs() {
        Map<String, List<E>> logs = new LinkedHashMap<>();
        String prefix = codec.streamPrefix() + "-";
        store.streams.forEach((stream, events) -> {
            List<E> decoded = new ArrayList<>();
            events.stream().sorted(java.util.Comparator.comparingLong(StoredEvent::version))
                    .forEach(e -> decoded.add(codec.decodeEvent(e.payload())));
            logs.put(stream.substring(prefix.length()), decoded);
        });
        return logs;
    }

    Map<String, S> states() {
        Map<String, S> states = new LinkedHashMap<>();
        logs().forEach((key, events) -> {
            S state = decider.initialState();
            for (E e : events) {
                state = decider.evolve(state, e);
            }
            states.put(key, state);
        });
        return states;
    }

    /** The events a command caused in a stream, decoded: its outcome. */
    List<E> outcome(String key, String commandId) {
        return store.streams.getOrDefault(codec.streamPrefix() + "-" + key, List.of()).stream()
                .filter(e -> commandId.equals(e.causationId())).map(e -> codec.decodeEvent(e.payload())).toList();
    }
}
