package dev.mizani.loadtest.ftps;

import dev.mizani.loadtest.ftps.Flights.Flight;
import java.io.IOException;
import dev.mizani.platform.http.HttpClient;
import java.net.URI;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Queries against the query API while the transfers flow, at a constant arrival rate (open loop): alternately a
 * recently committed transfer by id, asked by its payer, and a random DFSP's own positions. Each latency is taken
 * from the query's intended start, so a stall shows in every query queued behind it. Only queries due inside the
 * measured window are recorded; the warm-up's queries warm the query path. They go out through their own
 * {@link HttpClient} thread.
 */
final class QueryLoad implements AutoCloseable {
    /** Queries outstanding at most; beyond it a query is not sent and counts as an error. */
    private static final int OUTSTANDING_MAX = 10_000;

    final ConcurrentHistogram transferById = new ConcurrentHistogram(Flights.HIGHEST_NS, 3);
    final ConcurrentHistogram positions = new ConcurrentHistogram(Flights.HIGHEST_NS, 3);
    /** Measured queries answered other than 200 (or not sent), by kind. */
    final LongAdder transferErrors = new LongAdder();
    final LongAdder positionErrors = new LongAdder();
    /** Transfer lookups answered 404: committed at the payer but not yet in the read store. Counted among the errors. */
    final LongAdder notYetProjected = new LongAdder();

    private final int rate;
    private final Flights flights;
    private final List<String> names;
    private final List<String> credentials;
    private final HttpClient client;
    private final HttpClient.Origin origin;
    private final Semaphore outstanding = new Semaphore(OUTSTANDING_MAX);
    private volatile boolean running = true;
    private Thread thread;

    QueryLoad(String queryApi, int rate, Flights flights, List<String> names, List<String> credentials) throws IOException {
        this.rate = rate;
        this.flights = flights;
        this.names = names;
        this.credentials = credentials;
        this.client = new HttpClient("loop-http-queries", 256, 30_000, null);
        this.origin = HttpClient.Origin.of(URI.create(queryApi));
    }

    /** Starts the arrivals at {@code startNs}; those due in [windowStartNs, windowEndNs) are measured. */
    QueryLoad start(long startNs, long windowStartNs, long windowEndNs) {
        thread = Thread.ofPlatform().daemon().name("query-load").start(() -> {
            SplittableRandom random = new SplittableRandom(7);
            long periodNs = 1_000_000_000L / rate;
            for (long i = 0; running; i++) {
                long due = startNs + i * periodNs;
                for (long wait; running && (wait = due - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(wait);
                }
                boolean measured = due >= windowStartNs && due < windowEndNs;
                Flight f = (i & 1) == 0 ? flights.recentCommit(random) : null;
                int dfsp = f != null ? f.payer : random.nextInt(names.size());
                String path = f != null ? "/transfers/" + f.id : "/participants/" + names.get(dfsp) + "/positions";
                boolean byId = f != null;
                if (!outstanding.tryAcquire()) {
                    if (measured) {
                        (byId ? transferErrors : positionErrors).increment();
                    }
                    continue;
                }
                client.send(origin, "GET", path, java.util.Map.of("Authorization", "Bearer " + credentials.get(dfsp)), new byte[0],
                        (status, body, failure) -> {
                            outstanding.release();
                            answered(status, due, measured, byId);
                        });
            }
        });
        return this;
    }

    /** Runs on the client's loop thread; status -1 when no answer came. */
    private void answered(int status, long due, boolean measured, boolean byId) {
        if (!measured) {
            return;
        }
        (byId ? transferById : positions).recordValue(Math.max(0, System.nanoTime() - due));
        if (status != 200) {
            (byId ? transferErrors : positionErrors).increment();
            if (status == 404 && byId) {
                notYetProjected.increment();
            }
        }
    }

    int rate() {
        return rate;
    }

    @Override
    public void close() throws InterruptedException {
        if (!running) {
            return;
        }
        running = false;
        if (thread != null) {
            thread.join();
        }
        // the queries still out get their answers (or time out) before the client closes
        outstanding.tryAcquire(OUTSTANDING_MAX, 30, java.util.concurrent.TimeUnit.SECONDS);
        client.close();
    }
}
