package dev.mizani.platform.probe;

import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.domain.UndecidableCommandException;
import java.util.List;

/**
 * The smallest aggregate that still shows a doubled or lost effect: a running total per key, each event
 * carrying the total after it. Used to test and benchmark the command loop without a real domain.
 */
public final class ProbeTally implements Decider<ProbeTally.Add, ProbeTally.Added, ProbeTally.State> {

    public record Add(long amount, boolean undecidable) {}

    public record Added(long amount, long total) {}

    public record State(long total, long count) {}

    @Override
    public State initialState() {
        return new State(0, 0);
    }

    @Override
    public List<Added> decide(Add command, State state) {
        if (command.undecidable()) {
            throw new UndecidableCommandException("probe command marked undecidable");
        }
        return List.of(new Added(command.amount(), Math.addExact(state.total(), command.amount())));
    }

    @Override
    public State evolve(State state, Added event) {
        if (event.total() != state.total() + event.amount()) {
            throw new IllegalStateException("event total " + event.total() + " does not follow " + state.total()
                    + " + " + event.amount());
        }
        return new State(event.total(), state.count() + 1);
    }
}
