package dev.mizani.gateway.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per participant: {@code requestsPerSecond} sustained, {@code burst} at once. Rates are
 * read at every request from the caller's current settings, so an operator's change applies at once.
 * Bounded by the number of participants. With several gateway processes, what the others admitted is taken from
 * the same buckets ({@link #debit}, fed by {@link LoadSharing}), so the limit holds for the participant across the
 * cluster rather than per process.
 */
public final class RateLimits {
    /** Allowed, or refused with the whole seconds after which a retry would pass (Retry-After). */
    public record Decision(boolean allowed, long retryAfterSeconds) {}

    private static final class Bucket {
        private double tokens;
        private long refilledAtNs;
        private int capacity;
        /** Admitted here since the last {@link #drainAdmitted}. */
        private long admitted;

        Bucket(int capacity, long now) {
            this.tokens = capacity;
            this.capacity = capacity;
            this.refilledAtNs = now;
        }
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final java.util.function.LongSupplier nanoTime;

    public RateLimits(java.util.function.LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    public Decision take(String participant, int requestsPerSecond, int burst) {
        long now = nanoTime.getAsLong();
        int capacity = Math.max(1, burst);
        Bucket bucket = buckets.computeIfAbsent(participant, k -> new Bucket(capacity, now));
        synchronized (bucket) {
            double refill = (now - bucket.refilledAtNs) / 1e9 * requestsPerSecond;
            bucket.tokens = Math.min(capacity, bucket.tokens + refill);
            bucket.refilledAtNs = now;
            bucket.capacity = capacity;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                bucket.admitted++;
                return new Decision(true, 0);
            }
            double wait = requestsPerSecond <= 0 ? 1 : (1 - bucket.tokens) / requestsPerSecond;
            return new Decision(false, Math.max(1, (long) Math.ceil(wait)));
        }
    }

    /**
     * Takes {@code requests} another gateway process admitted for the participant out of its bucket here. The bucket
     * may go below zero, down to minus its burst: the participant is then refused here too until the rate has paid
     * the cluster's excess back. A participant this process has not served yet has no bucket and nothing to take.
     */
    public void debit(String participant, long requests) {
        Bucket bucket = buckets.get(participant);
        if (bucket == null) {
            return;
        }
        synchronized (bucket) {
            bucket.tokens = Math.max(-bucket.capacity, bucket.tokens - requests);
        }
    }

    /** Requests admitted here per participant since the last call, for the other processes; resets the counts. */
    public Map<String, Long> drainAdmitted() {
        Map<String, Long> admitted = new java.util.HashMap<>();
        buckets.forEach((participant, bucket) -> {
            synchronized (bucket) {
                if (bucket.admitted > 0) {
                    admitted.put(participant, bucket.admitted);
                    bucket.admitted = 0;
                }
            }
        });
        return admitted;
    }
}
