package dev.mizani.hub;

import dev.mizani.platform.commandloop.CommandProcessor;
import dev.mizani.platform.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one command handler running: a handler that stopped on an error or was fenced is replaced by a
 * new one, which resumes from the offsets and events in PostgreSQL. At most {@code restartsMax} restarts
 * per {@code window}; past that the handler stays down and says so, since a deterministic bug would
 * otherwise crash-loop.
 */
final class Supervisor<C, E, S> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

    private final String name;
    private final Supplier<CommandProcessor<C, E, S>> factory;
    private final int restartsMax;
    private final Duration window;
    private final Deque<Long> restarts = new ArrayDeque<>();
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
        this.restartsMax = restartsMax;
        this.window = window;
        this.current = factory.get().start();
        this.thread = Thread.ofPlatform().daemon().name("supervisor-" + name).start(this::watch);
    }

    CommandProcessor<C, E, S> current() {
        return current;
    }

    int restarts() {
        return restarts.size();
    }

    private void watch() {
        while (running) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            CommandProcessor.Status status = current.status();
            if (status != CommandProcessor.Status.FAILED && status != CommandProcessor.Status.FENCED) {
                continue;
            }
            long now = System.nanoTime();
            while (!restarts.isEmpty() && now - restarts.peekFirst() > window.toNanos()) {
                restarts.pollFirst();
            }
            if (restarts.size() >= restartsMax) {
                log.error("{} is {} and was restarted {} times within {}; leaving it down: {}", name, status,
                        restarts.size(), window, String.valueOf(current.failure()));
                running = false;
                return;
            }
            log.warn("{} is {} ({}); starting a new instance", name, status, String.valueOf(current.failure()));
            restarts.addLast(now);
            restartCount.inc();
            current.close();
            current = factory.get().start();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        current.close();
    }
}
