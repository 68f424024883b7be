package dev.mizani.loadtest.ftps;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Every transfer the generator started, until it ends, and what the run measured of them. Latency is taken from
 * each transfer's intended start (its slot in the arrival schedule), not from when it was sent, so a generator or
 * hub that falls behind shows as latency rather than as a quietly lower rate.
 */
final class Flights {
    /** What the simulated payee does with the transfer, decided when it is started. */
    enum Plan { FULFIL, REJECT, EXPIRE, NDC_BREACH }

    static final class Flight {
        final String id;
        final int payer;
        final int payee;
        final Plan plan;
        final long dueNs;
        final boolean measured;
        /** The ramp step it was started in, or -1 outside a ramp. */
        int step = -1;
        final String fulfilment;
        volatile long reservedNs;
        volatile long answeredNs;

        Flight(String id, int payer, int payee, Plan plan, long dueNs, boolean measured, String fulfilment) {
            this.id = id;
            this.payer = payer;
            this.payee = payee;
            this.plan = plan;
            this.dueNs = dueNs;
            this.measured = measured;
            this.fulfilment = fulfilment;
        }
    }

    /** The highest latency a histogram here records: an hour. */
    static final long HIGHEST_NS = 3_600_000_000_000L;

    final Map<String, Flight> inFlight = new ConcurrentHashMap<>();
    /** The payer of each transfer that ended, to tell a late callback to the payee from a repeat to the payer. */
    final Map<String, Integer> endedPayers = new ConcurrentHashMap<>();
    /** Intended start to the payer's commit callback, for committed transfers. */
    final ConcurrentHistogram endToEnd = new ConcurrentHistogram(HIGHEST_NS, 3);
    final ConcurrentHistogram prepareToReserved = new ConcurrentHistogram(HIGHEST_NS, 3);
    final ConcurrentHistogram fulfilToCommit = new ConcurrentHistogram(HIGHEST_NS, 3);
    private final Recorder interval = new Recorder(HIGHEST_NS, 3);
    final LongAdder started = new LongAdder();
    final LongAdder refusedAtGenerator = new LongAdder();
    final LongAdder committed = new LongAdder();
    final LongAdder ended = new LongAdder();
    final LongAdder unexpectedOutcome = new LongAdder();
    final LongAdder duplicateCallbacks = new LongAdder();
    /** Error callbacks to payees (an expiry or abort after the forward, a refused late answer): not an outcome. */
    final LongAdder payeeErrors = new LongAdder();
    final LongAdder forwardedPrepares = new LongAdder();
    final LongAdder answersSent = new LongAdder();
    final LongAdder measuredStarted = new LongAdder();
    final LongAdder measuredEnded = new LongAdder();
    final LongAdder measuredLate = new LongAdder();
    /** By FSPIOP error code from the payer's error callback, or "HTTP nnn code" for a refused request. */
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    /** Per second since the run began: arrivals, transfers ended, and commits. */
    volatile AtomicLongArray sentPerSecond = new AtomicLongArray(1);
    volatile AtomicLongArray endedPerSecond = new AtomicLongArray(1);
    volatile AtomicLongArray committedPerSecond = new AtomicLongArray(1);
    final LongAdder syncRefused = new LongAdder();
    /** Per ramp step: transfers started, and those committed within the latency bar of their intended start. */
    volatile AtomicLongArray stepStarted = new AtomicLongArray(0);
    volatile AtomicLongArray stepWithinBar = new AtomicLongArray(0);
    volatile ConcurrentHistogram[] stepLatency = new ConcurrentHistogram[0];
    /** The most recent commits, newest overwriting oldest: what the query load asks the read store for. */
    private final AtomicReferenceArray<Flight> recentCommits = new AtomicReferenceArray<>(RECENT);
    private final AtomicLong commitsSeen = new AtomicLong();
    private static final int RECENT = 4096;
    private volatile long barNs = Long.MAX_VALUE;
    private volatile long runStartNs;
    private final long boundNs;

    Flights(long boundNs) {
        this.boundNs = boundNs;
    }

    /** Starts the per-second timeline at {@code runStartNs}, for {@code totalSeconds}. */
    void begin(long runStartNs, int totalSeconds) {
        this.sentPerSecond = new AtomicLongArray(totalSeconds + 1);
        this.endedPerSecond = new AtomicLongArray(totalSeconds + 1);
        this.committedPerSecond = new AtomicLongArray(totalSeconds + 1);
        this.runStartNs = runStartNs;
    }

    /** Prepares the per-step counters of a ramp of at most {@code steps} steps with latency bar {@code barNs}. */
    void ramp(int steps, long barNs) {
        this.stepStarted = new AtomicLongArray(steps);
        this.stepWithinBar = new AtomicLongArray(steps);
        ConcurrentHistogram[] h = new ConcurrentHistogram[steps];
        for (int i = 0; i < steps; i++) {
            h[i] = new ConcurrentHistogram(HIGHEST_NS, 3);
        }
        this.stepLatency = h;
        this.barNs = barNs;
    }

    void started(Flight f) {
        inFlight.put(f.id, f);
        if (f.step >= 0) {
            stepStarted.incrementAndGet(f.step);
        }
        started.increment();
        if (f.measured) {
            measuredStarted.increment();
        }
        add(sentPerSecond, f.dueNs);
    }

    void reserved(String id, long now) {
        Flight f = inFlight.get(id);
        if (f != null) {
            forwardedPrepares.increment();
            f.reservedNs = now;
            if (f.measured) {
                prepareToReserved.recordValue(Math.max(0, now - f.dueNs));
            }
        }
    }

    Flight flight(String id) {
        return inFlight.get(id);
    }

    /** The payer of a transfer in flight or ended, or -1 for one this run did not start. */
    int payerOf(String id) {
        Flight f = inFlight.get(id);
        return f != null ? f.payer : endedPayers.getOrDefault(id, -1);
    }

    /** The payer heard the end: committed, or an error code. A second callback for the same transfer is counted apart. */
    void ended(String id, String errorCode, long now) {
        Flight f = inFlight.remove(id);
        if (f == null) {
            duplicateCallbacks.increment();
            return;
        }
        endedPayers.put(id, f.payer);
        ended.increment();
        add(endedPerSecond, now);
        boolean commit = errorCode == null;
        if (commit) {
            committed.increment();
            add(committedPerSecond, now);
            recentCommits.set((int) (commitsSeen.getAndIncrement() % RECENT), f);
        } else {
            errors.computeIfAbsent(errorCode, k -> new LongAdder()).increment();
        }
        if (commit != (f.plan == Plan.FULFIL) || !commit && !errorCode.equals(expectedCode(f.plan))) {
            unexpectedOutcome.increment();
        }
        long e2e = Math.max(0, now - f.dueNs);
        interval.recordValue(e2e);
        if (f.step >= 0 && commit) {
            stepLatency[f.step].recordValue(e2e);
            if (e2e <= barNs) {
                stepWithinBar.incrementAndGet(f.step);
            }
        }
        if (f.measured) {
            measuredEnded.increment();
            if (e2e > boundNs) {
                measuredLate.increment();
            }
            if (commit) {
                endToEnd.recordValue(e2e);
            }
            if (commit && f.answeredNs > 0) {
                fulfilToCommit.recordValue(Math.max(0, now - f.answeredNs));
            }
        }
    }

    /** The request starting the transfer was refused synchronously: it ends here, as an error. */
    void refused(String id, String why, long now) {
        Flight f = inFlight.remove(id);
        if (f != null) {
            endedPayers.put(id, f.payer);
            ended.increment();
            syncRefused.increment();
            add(endedPerSecond, now);
            unexpectedOutcome.increment();
            errors.computeIfAbsent(why, k -> new LongAdder()).increment();
            if (f.measured) {
                measuredEnded.increment();
            }
        }
    }

    static String expectedCode(Plan plan) {
        return switch (plan) {
            case FULFIL -> null;
            case REJECT -> "5104";
            case EXPIRE -> "3303";
            case NDC_BREACH -> "4200";
        };
    }

    /** A transfer picked at random from the recent commits, or null before the first. */
    Flight recentCommit(SplittableRandom random) {
        long seen = commitsSeen.get();
        return seen == 0 ? null : recentCommits.get(random.nextInt((int) Math.min(seen, RECENT)));
    }

    /** The end-to-end latencies recorded since the last call (for the progress line). */
    Histogram intervalHistogram() {
        return interval.getIntervalHistogram();
    }

    private void add(AtomicLongArray perSecond, long ns) {
        int s = (int) ((ns - runStartNs) / 1_000_000_000L);
        if (s >= 0 && s < perSecond.length()) {
            perSecond.incrementAndGet(s);
        }
    }
}
