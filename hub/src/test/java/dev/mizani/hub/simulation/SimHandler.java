package dev.mizani.hub.simulation;

import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.policy.PolicyCommand;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * A command handler as the simulation sees one: durable state, an event log per aggregate, the derived
 * command ids already applied per aggregate with the events they produced (a repeat re-emits them), and events
 * committed but not yet published. A crash between commit and publish leaves them there until restart.
 */
final class SimHandler<C, E, S> {
    record Message(String key, String commandId, SpecificRecord payload) {}

    private final Decider<C, E, S> decider;
    private final BiFunction<Message, SimClock, C> toCommand;
    private final Function<E, SpecificRecord> toAvro;
    final Map<String, S> states = new HashMap<>();
    final Map<String, List<E>> logs = new HashMap<>();
    private final Map<String, List<Message>> outcomes = new HashMap<>();
    private final List<Message> unpublished = new ArrayList<>();
    boolean down;

    SimHandler(Decider<C, E, S> decider, BiFunction<Message, SimClock, C> toCommand, Function<E, SpecificRecord> toAvro) {
        this.decider = decider;
        this.toCommand = toCommand;
        this.toAvro = toAvro;
    }

    S state(String key) {
        return states.getOrDefault(key, decider.initialState());
    }

    /** Decide and commit one command; returns the events to publish, or none if it crashed before publishing. */
    List<Message> process(Message m, SimClock clock, boolean crashAfterCommit) {
        String applied = m.key() + '|' + m.commandId();
        List<Message> published;
        // As the command loop does: only derived commands (kind:key ids) are recognised by id; a repeated
        // client command is decided again and the domain's request-hash rules answer it.
        if (PolicyCommand.isDerived(m.commandId()) && outcomes.containsKey(applied)) {
            published = outcomes.get(applied);
        } else {
            S state = state(m.key());
            List<E> events = decider.decide(toCommand.apply(m, clock), state);
            published = new ArrayList<>();
            for (E e : events) {
                state = decider.evolve(state, e);
                logs.computeIfAbsent(m.key(), k -> new ArrayList<>()).add(e);
                published.add(new Message(m.key(), m.commandId(), toAvro.apply(e)));
            }
            states.put(m.key(), state);
            outcomes.put(applied, published);
        }
        if (crashAfterCommit) {
            unpublished.addAll(published);
            down = true;
            return List.of();
        }
        return published;
    }

    /** The restarted handler republishes what it committed but never published. */
    List<Message> restart() {
        down = false;
        List<Message> again = new ArrayList<>(unpublished);
        unpublished.clear();
        return again;
    }

    /** What a command produced when it was applied (empty if it was never applied). */
    List<Message> outcome(String key, String commandId) {
        return outcomes.getOrDefault(key + '|' + commandId, List.of());
    }

    boolean idle() {
        return !down && unpublished.isEmpty();
    }
}
