package dev.mizani.platform.http;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * How other threads hand work to a selector loop ({@link LoopHttp}, {@link LoopServer}) without a system call per
 * item: the loop says when it may be asleep, and only then does a producer wake it, once.
 */
final class SelectorWakeup {
    private final Selector selector;
    private final AtomicBoolean selecting = new AtomicBoolean();

    SelectorWakeup(Selector selector) {
        this.selector = selector;
    }

    /** Called by a thread that has just queued work for the loop. */
    void wake() {
        if (selecting.get() && selecting.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    /**
     * One select of the loop: blocks up to 100 ms unless {@code queued} says work is already waiting. The loop marks
     * itself selecting before it looks at its queue, so either it sees an item or the item's producer sees the mark.
     */
    void select(BooleanSupplier queued, Consumer<SelectionKey> ready) throws IOException {
        selecting.set(true);
        if (queued.getAsBoolean()) {
            selector.selectNow(ready);
        } else {
            selector.select(ready, 100);
        }
        selecting.set(false);
    }
}
