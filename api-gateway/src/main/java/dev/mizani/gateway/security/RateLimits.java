package dev.mizani.gateway.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per participant: {@code requestsPerSecond} sustained, {@code burst} at once. Rates are
 * read at every request from the caller's current settings, so an operator's change applies at once.
 * Bounded by the number of participants.
 */
public final class RateLimits {
    /** Allowed, or refused with the whole seconds after which a retry would pass (Retry-After). */
    public record Decision(boolean allowed, long retryAfterSeconds) {}

    private static final class Bucket {
        private double tokens;
        private long refilledAtNs;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
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
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return new Decision(true, 0);
            }
            double wait = requestsPerSecond <= 0 ? 1 : (1 - bucket.tokens) / requestsPerSecond;
            return new Decision(false, Math.max(1, (long) Math.ceil(wait)));
        }
    }
}
