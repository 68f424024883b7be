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
     * On a store keyed from its first position (as every store created since V8), each derived command is found by
     * its key: under the position of the event it came from, or under none where its record named none; by no other
     * position, and in no other stream. The events' causation is not consulted: it names a command only for events
     * stored before the keys ({@link DerivedCommandKeysUpgradeTest}).
     */
    @Test
    void aDerivedCommandIsFoundByItsKey() throws Exception {
        NewEvent plain = events(stream, 1, 1).getFirst();
        NewEvent single = new NewEvent(plain.streamId(), 1, plain.eventType(), plain.payload(), plain.eventId(),
                plain.correlationId(), "reserve:t1", plain.recordedAt(), List.of(new NewEvent.DerivedCommand("reserve:t1", 39)));
        NewEvent packed = new NewEvent(plain.streamId(), 2, plain.eventType(), plain.payload(), UUID.randomUUID(),
                plain.correlationId(), null, plain.recordedAt(), List.of(new NewEvent.DerivedCommand("reserve:t2", 40),
                new NewEvent.DerivedCommand("release:t1", 41), new NewEvent.DerivedCommand("reserve:t3", -1)));
        NewEvent unkeyed = new NewEvent(plain.streamId(), 3, plain.eventType(), plain.payload(), UUID.randomUUID(),
                plain.correlationId(), "reserve:t9", plain.recordedAt());
        store.append(stream, 0, List.of(single, packed, unkeyed));
        try (Connection c = infra.dataSource.getConnection()) {
            assertThat(store.keyedFrom(c)).isEqualTo(1);
            // reserve:t1 and release:t1 under their positions, reserve:t3 under none; reserve:t2 under another
            // event's position, and for another stream; reserve:t9 caused an event but was never keyed
            Map<String, List<StoredEvent>> found = store.causedBy(c, List.of(stream, stream, stream, "participant-other",
                    stream, stream), List.of("reserve:t1", "release:t1", "reserve:t3", "reserve:t2", "reserve:t2", "reserve:t9"),
                    List.of(39L, 41L, -1L, 40L, 39L, -1L));
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
