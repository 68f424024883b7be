package dev.mizani.platform.health;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the database {@code select 1} every {@code interval} on a thread of its own, so that an idle hub knows its
 * database is away as quickly as a busy one: the gateway stops accepting transfers nothing could commit, and
 * {@code /health} says why. Down when no answer came for {@code downAfter}.
 */
public final class DatabaseProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DatabaseProbe.class);

    private final DataSource dataSource;
    private final Duration interval;
    private final Duration downAfter;
    private final Thread thread;
    private volatile long lastAnswerNs = System.nanoTime();
    private volatile String lastError = "";
    private volatile boolean running = true;

    public DatabaseProbe(DataSource dataSource, Duration interval, Duration downAfter) {
        this.dataSource = dataSource;
        this.interval = interval;
        this.downAfter = downAfter;
        this.thread = Thread.ofPlatform().daemon().name("database-probe").unstarted(this::run);
    }

    public DatabaseProbe start() {
        thread.start();
        return this;
    }

    /** True while the database answered within the last {@code downAfter}. */
    public boolean up() {
        return System.nanoTime() - lastAnswerNs <= downAfter.toNanos();
    }

    public Health.Check check() {
        long silentMs = (System.nanoTime() - lastAnswerNs) / 1_000_000;
        return up() ? Health.Check.up("answered " + silentMs + " ms ago")
                : Health.Check.down("no answer for " + silentMs + " ms: " + lastError);
    }

    private void run() {
        boolean wasUp = true;
        while (running) {
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
                st.setQueryTimeout((int) Math.max(1, downAfter.toSeconds()));
                st.execute("select 1");
                lastAnswerNs = System.nanoTime();
                if (!wasUp) {
                    log.info("the database answers again");
                }
                wasUp = true;
            } catch (SQLException e) {
                lastError = e.getMessage();
                if (wasUp && !up()) {
                    log.warn("the database does not answer: {}", e.getMessage());
                    wasUp = false;
                }
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
