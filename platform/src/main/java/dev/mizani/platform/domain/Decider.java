package dev.mizani.platform.domain;

import java.util.List;

/**
 * The pure heart of an aggregate: what a command means given the current state, and how an event
 * changes the state. Implementations are total over their sealed command and event types, read no
 * clock, no randomness and no database; hub time and limits arrive inside the command.
 *
 * <p>A business rejection is an event. {@link UndecidableCommandException} marks a command that can
 * never be decided (it goes to the dead-letter topic); any other exception is a bug and stops the
 * handler, because continuing on corrupt state loses money.
 */
public interface Decider<C, E, S> {
    S initialState();

    List<E> decide(C command, S state);

    S evolve(S state, E event);
}
