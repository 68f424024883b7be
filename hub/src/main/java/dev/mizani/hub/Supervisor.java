package dev.mizani.hub;

import dev.mizani.platform.commandloop.CommandProcessor;
import dev.mizani.platform.health.RestartBudget;
import dev.mizani.platform.metrics.Metrics;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one command handler running: a handler that stopped on an error or was fenced is replaced by a
 * new one, which resumes from the offsets and events in PostgreSQL. One that stopped because the database or
 * the broker was away is replaced however often it takes, with a growing pause; one that stopped on a bug at
 * most {@code restartsMax} times per {@code window}, after which the handler stays down and says so, since a
 * deterministic bug would otherwise crash-loop.
 */
final class Supervisor<C, E, S> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

    private final String name;
    private final Supplier<CommandProcessor<C, E, S>> factory;
    private final RestartBudget budget;
    private final java.util.concurrent.atomic.AtomicInteger replaced = new java.util.concurrent.atomic.AtomicInteger();
    private final Thread thread;
    private volatile CommandProcessor<C, E, S> current;
    private volatile boolean running = true;
    private final Metrics.Counter restartCount;

    Supervisor(String name, Supplier<CommandProcessor<C, E, S>> factory, int restartsMax, Duration window,
               Metrics metrics) {
        this.name = name;
        this.restartCount = metrics.counter("mizani_processor_restarts_total",
                "Handler instances replaced after stopping on an error or being fenced", "processor", name);
        this.factory = factory;
        this.budget = new RestartBudget(restartsMax, window);
        this.current = factory.get().start();
        this.thread = Thread.ofPlatform().daemon().name("supervisor-" + name).start(this::watch);
    }

    CommandProcessor<C, E, S> current() {
        return current;
    }

    /** Instances replaced since start, whatever stopped them. */
    int restarts() {
        return replaced.get();
    }

    private void watch() {
        long pauseMs = 0;
        while (running) {
            try {
                Thread.sleep(250 + pauseMs);
            } catch (InterruptedException e) {
                return;
            }
            CommandProcessor.Status status = current.status();
            if (status != CommandProcessor.Status.FAILED && status != CommandProcessor.Status.FENCED) {
                pauseMs = 0;
                continue;
            }
            if (status == CommandProcessor.Status.FENCED || current.failedTransiently()) {
                // The database or broker is away, or a rebalance moved partitions: a fresh instance with fresh
                // clients resumes from PostgreSQL once they are back. Never give up on these, but do not spin.
                log.warn("{} is {} ({}); starting a new instance", name, status, String.valueOf(current.failure()));
                pauseMs = Math.min(Math.max(pauseMs * 2, 500), TRANSIENT_PAUSE_MAX_MS);
            } else if (!budget.take()) {
                log.error("{} is {} and was restarted {}; leaving it down: {}", name, status, budget,
                        String.valueOf(current.failure()));
                running = false;
                return;
            } else {
                log.warn("{} is {} ({}); starting a new instance", name, status, String.valueOf(current.failure()));
            }
            restartCount.inc();
            replaced.incrementAndGet();
            current.close();
            current = factory.get().start();
        }
    }

    /** Longest pause between replacements of an instance that keeps stopping on the database or the broker. */
    private static final long TRANSIENT_PAUSE_MAX_MS = 10_000;

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        current.close();
    }
}
