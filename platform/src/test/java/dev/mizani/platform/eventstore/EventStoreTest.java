package dev.mizani.platform.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.platform.commandloop.AggregateCodec;
import dev.mizani.platform.probe.ProbeTally;
import dev.mizani.platform.probe.ProbeTallyCodec;
import dev.mizani.platform.testing.SharedInfrastructure;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The event store on the real PostgreSQL: optimistic concurrency, global order, snapshot + tail loading. */
class EventStoreTest {
    private final SharedInfrastructure infra = SharedInfrastructure.get();
    private final EventStore store = infra.eventStore;
    private final ProbeTallyCodec codec = new ProbeTallyCodec(infra.registry, "store-test.commands", "store-test.events");
    private final String stream = "tally-store-" + UUID.randomUUID();

    private List<NewEvent> events(String streamId, long fromVersion, int count) {
        List<NewEvent> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long version = fromVersion + i;
            var stamp = new AggregateCodec.EventStamp(UUID.randomUUID(), streamId, version, "corr", "cause",
                    Instant.parse("2026-01-01T00:00:00Z"));
            byte[] payload = codec.encodeEvent(new ProbeTally.Added(1, version), stamp);
            out.add(new NewEvent(streamId, version, "TallyAdded", payload, stamp.eventId(), "corr", "cause",
                    stamp.recordedAt()));
        }
        return out;
    }

    @Test
    void appendsWithExpectedVersionAndRefusesAStaleWriter() throws Exception {
        long[] first = store.append(stream, 0, events(stream, 1, 3));
        long[] second = store.append(stream, 3, events(stream, 4, 2));

        assertThat(first).isSorted();
        assertThat(second[0]).isGreaterThan(first[2]);
        assertThatThrownBy(() -> store.append(stream, 3, events(stream, 4, 1)))
                .isInstanceOf(ConcurrencyConflictException.class)
                .hasMessageContaining("is at version 5, expected 3");
        assertThat(store.readStream(stream)).extracting(StoredEvent::version).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aRaceOnTheSameVersionFailsOnTheUniqueVersionAndOverwritesNothing() throws Exception {
        store.append(stream, 0, events(stream, 1, 2));
        List<NewEvent> racing = events(stream, 2, 1);
        try (Connection c = infra.dataSource.getConnection()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> store.append(c, racing)).isInstanceOf(ConcurrencyConflictException.class);
            c.rollback();
        }
        List<StoredEvent> stored = store.readStream(stream);
        assertThat(stored).hasSize(2);
        assertThat(stored.get(1).eventId()).isNotEqualTo(racing.getFirst().eventId());
    }

    @Test
    void loadsManyStreamsAsLatestSnapshotPlusTailInOneQuery() throws Exception {
        String withSnapshot = stream + "-a";
        String withoutSnapshot = stream + "-b";
        String absent = stream + "-c";
        store.append(withSnapshot, 0, events(withSnapshot, 1, 7));
        store.append(withoutSnapshot, 0, events(withoutSnapshot, 1, 2));
        try (Connection c = infra.dataSource.getConnection()) {
            store.saveSnapshots(c, List.of(new Snapshot(withSnapshot, 3, new byte[] {3})));
            store.saveSnapshots(c, List.of(new Snapshot(withSnapshot, 5, new byte[] {5})));
            store.saveSnapshots(c, List.of(new Snapshot(withSnapshot, 4, new byte[] {4})));
        }

        Map<String, LoadedStream> loaded = store.load(List.of(withSnapshot, withoutSnapshot, absent));

        assertThat(loaded.get(withSnapshot).snapshot().version()).as("an older snapshot never replaces a newer").isEqualTo(5);
        assertThat(loaded.get(withSnapshot).tail()).extracting(StoredEvent::version).containsExactly(6L, 7L);
        assertThat(loaded.get(withSnapshot).version()).isEqualTo(7);
        assertThat(loaded.get(withoutSnapshot).snapshot()).isNull();
        assertThat(loaded.get(withoutSnapshot).tail()).extracting(StoredEvent::version).containsExactly(1L, 2L);
        assertThat(loaded.get(absent).version()).isZero();
        assertThat(loaded.get(absent).tail()).isEmpty();
    }

    /**
     * The already-applied lookup is an index lookup per (stream, command) pair, not a scan of the stream: a hot
     * participant's stream holds a large share of all events, and scanning it per pair collapsed the
     * participants handler under load. Checked on the plan, with enough rows that a scan is the costlier one.
     */
    @Test
    void theAlreadyAppliedLookupUsesThePartialIndexNotAScanOfTheStream() throws Exception {
        List<NewEvent> many = new ArrayList<>();
        for (NewEvent e : events(stream, 1, 3_000)) {
            String cause = e.version() % 100 == 0 ? "reserve:t" + e.version() : "client-" + e.version();
            many.add(new NewEvent(e.streamId(), e.version(), e.eventType(), e.payload(), e.eventId(), e.correlationId(),
                    cause, e.recordedAt()));
        }
        store.append(stream, 0, many);
        try (Connection c = infra.dataSource.getConnection(); var st = c.createStatement()) {
            st.execute("analyze events");
            var ps = c.prepareStatement("explain " + EventStore.CAUSED_BY);
            ps.setArray(1, c.createArrayOf("text", new String[] {stream, stream}));
            ps.setArray(2, c.createArrayOf("text", new String[] {"reserve:t300", "reserve:t7"}));
            ps.setArray(3, c.createArrayOf("bigint", new Long[] {-1L, 17L}));
            ps.setArray(4, c.createArrayOf("text", new String[] {stream, stream}));
            ps.setArray(5, c.createArrayOf("text", new String[] {"reserve:t300", "reserve:t7"}));
            StringBuilder plan = new StringBuilder();
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            // events by their causation's index; packed commands by their key, their events by (stream, version)
            assertThat(plan.toString()).contains("events_derived_causation").doesNotContain("Seq Scan on events");
            Map<String, List<StoredEvent>> found = store.causedBy(c, List.of(stream, stream), List.of("reserve:t300", "reserve:t7"),
                    List.of(-1L, 17L));
            assertThat(found).containsOnlyKeys(EventStore.commandKey(stream, "reserve:t300"));
        }
    }

    /**
     * An event packing several derived commands' outcomes is found by each of them under the position of the event it
     * came from, or with none where its record named none, and by nothing else.
     */
    @Test
    void aPackedEventIsFoundByEachCommandItPacks() throws Exception {
        NewEvent plain = events(stream, 1, 1).getFirst();
        NewEvent single = new NewEvent(plain.streamId(), 1, plain.eventType(), plain.payload(), plain.eventId(),
                plain.correlationId(), "reserve:t1", plain.recordedAt());
        NewEvent packed = new NewEvent(plain.streamId(), 2, plain.eventType(), plain.payload(), UUID.randomUUID(),
                plain.correlationId(), null, plain.recordedAt(), List.of(new NewEvent.PackedCommand("reserve:t2", 40),
                new NewEvent.PackedCommand("release:t1", 41), new NewEvent.PackedCommand("reserve:t3", -1)));
        store.append(stream, 0, List.of(single, packed));
        try (Connection c = infra.dataSource.getConnection()) {
            // release:t1 under its position; reserve:t3, stored with none, asked for with one; reserve:t2 under
            // another event's position, and for another stream; reserve:t4 never applied
            Map<String, List<StoredEvent>> found = store.causedBy(c, List.of(stream, stream, stream, "participant-other",
                    stream, stream), List.of("reserve:t1", "release:t1", "reserve:t3", "reserve:t2", "reserve:t2", "reserve:t4"),
                    List.of(-1L, 41L, 55L, 40L, 39L, 42L));
            assertThat(found).containsOnlyKeys(EventStore.commandKey(stream, "reserve:t1"),
                    EventStore.commandKey(stream, "release:t1"), EventStore.commandKey(stream, "reserve:t3"));
            assertThat(found.get(EventStore.commandKey(stream, "reserve:t1"))).extracting(StoredEvent::version).containsExactly(1L);
            assertThat(found.get(EventStore.commandKey(stream, "release:t1"))).extracting(StoredEvent::version).containsExactly(2L);
            assertThat(found.get(EventStore.commandKey(stream, "reserve:t3")).getFirst().causationId()).isNull();
        }
    }

    @Test
    void storesTheExactWireBytesAndMetadata() throws Exception {
        List<NewEvent> written = events(stream, 1, 1);
        store.append(stream, 0, written);
        StoredEvent read = store.readStream(stream).getFirst();
        assertThat(read.payload()).isEqualTo(written.getFirst().payload());
        assertThat(read.schemaId()).isEqualTo(dev.mizani.schemas.wire.AvroWireCodec.schemaId(read.payload()));
        assertThat(read.eventId()).isEqualTo(written.getFirst().eventId());
        assertThat(read.correlationId()).isEqualTo("corr");
        assertThat(read.causationId()).isEqualTo("cause");
        assertThat(read.recordedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    }
}
