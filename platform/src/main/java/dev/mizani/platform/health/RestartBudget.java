package dev.mizani.platform.health;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How often something that stopped on an error may be started again: at most {@code max} times in any {@code window}.
 * A deterministic bug makes every new start fail alike, so past the budget the thing stays down and says so rather
 * than crash-looping.
 */
public final class RestartBudget {
    private final int max;
    private final Duration window;
    private final Deque<Long> taken = new ArrayDeque<>();

    public RestartBudget(int max, Duration window) {
        if (max < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a restart budget needs max >= 0 and a positive window");
        }
        this.max = max;
        this.window = window;
    }

    /** Takes one restart now; false, and nothing taken, when {@code max} were taken within the last window. */
    public synchronized boolean take() {
        long now = System.nanoTime();
        while (!taken.isEmpty() && now - taken.peekFirst() > window.toNanos()) {
            taken.pollFirst();
        }
        if (taken.size() >= max) {
            return false;
        }
        taken.addLast(now);
        return true;
    }

    /** Says what the budget is, for the message of a thing left down: "5 times within PT1M". */
    @Override
    public String toString() {
        return max + " times within " + window;
    }
}
