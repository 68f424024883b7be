package dev.mizani.platform.commandloop;

import java.sql.SQLException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.common.errors.InterruptException;

/**
 * Where a batch's commit and publication run while the command loop polls and decides the next batch. The loop hands
 * over one batch at a time and awaits it before it hands over the next, so commits stay in batch order.
 */
public interface CommitStage extends AutoCloseable {
    /** Starts {@code work}; its outcome is learned from the handle. */
    <T> Handle<T> start(Callable<T> work);

    /** Stops the stage; work not yet started is dropped (it was never committed: the next owner decides it again). */
    @Override
    void close();

    /** Work handed to the stage. */
    interface Handle<T> {
        /** Waits for the work to end; throws what it threw (a {@link SQLException} or a runtime exception as is). */
        T await() throws SQLException;
    }

    /** Each batch's work on one thread of the stage's own: the production stage. */
    static CommitStage onThread(String name) {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name(name).daemon()
                .unstarted(r));
        return new CommitStage() {
            @Override
            public <T> Handle<T> start(Callable<T> work) {
                Future<T> future = executor.submit(work);
                return () -> {
                    try {
                        return future.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptException(e);
                    } catch (ExecutionException e) {
                        throw rethrown(e.getCause());
                    }
                };
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }

    /**
     * Each batch's work run on the thread that awaits it, when it first does: no thread, so a run is repeatable (the
     * seeded simulation), and the next batch is still decided before the last one commits, as in production.
     */
    static CommitStage whenAwaited() {
        return new CommitStage() {
            @Override
            public <T> Handle<T> start(Callable<T> work) {
                return new Handle<>() {
                    private boolean done;
                    private T result;
                    private Throwable failure;

                    @Override
                    public T await() throws SQLException {
                        if (!done) {
                            done = true;
                            try {
                                result = work.call();
                            } catch (Throwable t) {
                                failure = t;
                            }
                        }
                        if (failure != null) {
                            throw rethrown(failure);
                        }
                        return result;
                    }
                };
            }

            @Override
            public void close() {
            }
        };
    }

    /** A failure of the work as the awaiting thread throws it. */
    private static SQLException rethrown(Throwable t) {
        if (t instanceof SQLException e) {
            return e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new SQLException("commit failed: " + t, t);
    }
}
