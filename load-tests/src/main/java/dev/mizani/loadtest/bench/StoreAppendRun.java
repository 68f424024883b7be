package dev.mizani.loadtest.bench;

import dev.mizani.platform.commandloop.AggregateCodec;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.probe.ProbeTally;
import dev.mizani.platform.probe.ProbeTallyCodec;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Appends batches of probe events, one committed transaction per batch, for a fixed time. Each batch
 * spreads over 100 streams (as a command batch touches many aggregates), with real Avro payloads.
 */
final class StoreAppendRun {
    private static final int STREAMS = 100;

    private final EventStore store;
    private final ProbeTallyCodec codec;
    private final int batchSize;
    private final String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final long[] versions = new long[STREAMS];

    StoreAppendRun(EventStore store, CachedSchemaRegistry registry, int batchSize) {
        this.store = store;
        this.codec = new ProbeTallyCodec(registry, "bench.commands", "bench.events");
        this.batchSize = batchSize;
    }

    double eventsPerSecond(Duration duration) throws Exception {
        long appended = 0;
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        try (Connection c = store.dataSource().getConnection()) {
            c.setAutoCommit(false);
            while (System.nanoTime() < deadline) {
                store.append(c, batch());
                c.commit();
                appended += batchSize;
            }
        }
        return appended / ((System.nanoTime() - start) / 1e9);
    }

    private List<NewEvent> batch() {
        List<NewEvent> events = new ArrayList<>(batchSize);
        Instant now = Instant.now();
        for (int i = 0; i < batchSize; i++) {
            int s = i % STREAMS;
            long version = ++versions[s];
            String stream = prefix + s;
            var stamp = new AggregateCodec.EventStamp(UUID.randomUUID(), stream, version, "bench", "bench", now);
            events.add(new NewEvent(stream, version, "TallyAdded",
                    codec.encodeEvent(new ProbeTally.Added(1, version), stamp), stamp.eventId(), "bench", "bench", now));
        }
        return events;
    }
}
