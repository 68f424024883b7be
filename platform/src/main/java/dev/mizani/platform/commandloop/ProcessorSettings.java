package dev.mizani.platform.commandloop;

import java.time.Duration;
import java.util.Map;

/**
 * Every bound of a command processor, named. Defaults favour throughput under load and stay within a
 * few milliseconds of latency when idle.
 *
 * @param name             consumer group and the processor's key in {@code processor_offsets}
 * @param batchSizeMax     records per poll, hence per transaction
 * @param lingerMs         how long the broker may hold a fetch to fill a batch (fetch.max.wait.ms)
 * @param lingerBytesMin   bytes the broker waits for before answering a fetch early (fetch.min.bytes)
 * @param cacheSizeMax     aggregates kept in memory between batches; least recently used leave first
 * @param snapshotEvery    events per stream between snapshots
 * @param retriesMax       consecutive transient failures (database, publish) before the processor gives up
 * @param retryBackoff     first pause after a transient failure, doubled each time, at most 30 times
 * @param groupInstanceId  the consumer's static group membership ({@code group.instance.id}), or null: an instance
 *                         restarted under the same id gets its partitions back at once, not after the dead
 *                         member's session expires
 */
public record ProcessorSettings(
        String name,
        String commandTopic,
        String eventTopic,
        String deadLetterTopic,
        int batchSizeMax,
        int lingerMs,
        int lingerBytesMin,
        int cacheSizeMax,
        int snapshotEvery,
        int retriesMax,
        Duration retryBackoff,
        Duration pollTimeout,
        String groupInstanceId) {

    public ProcessorSettings {
        require(batchSizeMax >= 1 && batchSizeMax <= 100_000, "batchSizeMax in 1..100000");
        require(lingerMs >= 0 && lingerMs <= 1_000, "lingerMs in 0..1000");
        require(lingerBytesMin >= 1, "lingerBytesMin >= 1");
        require(cacheSizeMax >= 1, "cacheSizeMax >= 1");
        require(snapshotEvery >= 1, "snapshotEvery >= 1");
        require(retriesMax >= 0, "retriesMax >= 0");
    }

    public static ProcessorSettings defaults(String name, String commandTopic, String eventTopic) {
        return new ProcessorSettings(name, commandTopic, eventTopic, commandTopic + ".dlq",
                1_000, 20, 64 * 1024, 100_000, 100, 10, Duration.ofMillis(100), Duration.ofMillis(200), null);
    }

    /** Overrides from {@code <PREFIX>_BATCH_SIZE_MAX}, {@code _LINGER_MS}, {@code _CACHE_SIZE_MAX}, {@code _SNAPSHOT_EVERY}. */
    public ProcessorSettings withEnv(String prefix, Map<String, String> env) {
        return new ProcessorSettings(name, commandTopic, eventTopic, deadLetterTopic,
                intOf(env, prefix + "_BATCH_SIZE_MAX", batchSizeMax),
                intOf(env, prefix + "_LINGER_MS", lingerMs),
                lingerBytesMin,
                intOf(env, prefix + "_CACHE_SIZE_MAX", cacheSizeMax),
                intOf(env, prefix + "_SNAPSHOT_EVERY", snapshotEvery),
                retriesMax, retryBackoff, pollTimeout, groupInstanceId);
    }

    public ProcessorSettings withBatchSizeMax(int value) {
        return new ProcessorSettings(name, commandTopic, eventTopic, deadLetterTopic, value, lingerMs, lingerBytesMin,
                cacheSizeMax, snapshotEvery, retriesMax, retryBackoff, pollTimeout, groupInstanceId);
    }

    public ProcessorSettings withCacheSizeMax(int value) {
        return new ProcessorSettings(name, commandTopic, eventTopic, deadLetterTopic, batchSizeMax, lingerMs,
                lingerBytesMin, value, snapshotEvery, retriesMax, retryBackoff, pollTimeout, groupInstanceId);
    }

    public ProcessorSettings withSnapshotEvery(int value) {
        return new ProcessorSettings(name, commandTopic, eventTopic, deadLetterTopic, batchSizeMax, lingerMs,
                lingerBytesMin, cacheSizeMax, value, retriesMax, retryBackoff, pollTimeout, groupInstanceId);
    }

    public ProcessorSettings withGroupInstanceId(String value) {
        return new ProcessorSettings(name, commandTopic, eventTopic, deadLetterTopic, batchSizeMax, lingerMs,
                lingerBytesMin, cacheSizeMax, snapshotEvery, retriesMax, retryBackoff, pollTimeout, value);
    }

    private static int intOf(Map<String, String> env, String key, int fallback) {
        String v = env.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, was '" + v + "'", e);
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("processor setting out of range: " + what);
        }
    }
}
