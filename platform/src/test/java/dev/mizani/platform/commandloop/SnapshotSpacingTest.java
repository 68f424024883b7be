package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.eventstore.Snapshot;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * When {@link BatchDecider} takes snapshots: every {@code snapshotEvery} events for a small state, and for a state
 * that grows with the traffic (as a payer's reservations in flight do when a backlog forms) no more bytes of
 * snapshot than of events, so a large state is not rewritten in full every {@code snapshotEvery} events. Pure: the
 * decider's store session is in memory, and the batches are applied to it as the loop's commit would.
 */
class SnapshotSpacingTest {
    private static final int EVERY = 100;
    private static final int EVENT_BYTES = 100;
    private static final TopicPartition SOURCE = new TopicPartition("counter.commands", 0);

    @Test
    void aSmallStateIsSnapshottedEverySnapshotEveryEvents() throws Exception {
        Run run = new Run(4, 0);
        run.commands(1_000, 10);
        assertThat(run.snapshotVersions).containsExactly(100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L, 900L, 1_000L);
    }

    @Test
    void aGrowingStateIsRewrittenNoFasterThanItsEventsAreWritten() throws Exception {
        Run run = new Run(0, 50); // 50 bytes per event applied: 5 kB at version 100, 100 kB at version 2,000
        run.commands(4_000, 10);
        assertThat(run.snapshotVersions.getFirst()).isEqualTo(100L);
        for (int i = 1; i < run.snapshotVersions.size(); i++) {
            long eventsSince = run.snapshotVersions.get(i) - run.snapshotVersions.get(i - 1);
            long previousSize = run.snapshotSizes.get(i - 1);
            assertThat(eventsSince * EVENT_BYTES).as("event bytes before snapshot %d", i)
                    .isGreaterThanOrEqualTo(previousSize);
            assertThat(eventsSince).as("events before snapshot %d", i).isGreaterThanOrEqualTo(EVERY);
        }
        long snapshotBytes = run.snapshotSizes.stream().mapToLong(Integer::longValue).sum();
        assertThat(snapshotBytes).as("snapshot bytes written for 400 kB of events")
                .isLessThanOrEqualTo(4_000L * EVENT_BYTES + run.snapshotSizes.getLast());
        // Every 100 events would have written 5 kB x (1 + 2 + ... + 40) = 4.1 MB, ten times the events.
        assertThat(run.snapshotVersions.size()).isLessThan(20);
    }

    @Test
    void aStreamLoadedFromTheStoreKeepsTheSameSpacing() throws Exception {
        Run cached = new Run(0, 50);
        cached.commands(3_000, 10);
        Run reloaded = new Run(0, 50);
        for (int i = 0; i < 300; i++) {
            reloaded.commands(10, 10);
            reloaded.cache.clear(); // every batch loads the stream: latest snapshot plus its tail
        }
        assertThat(reloaded.snapshotVersions).isEqualTo(cached.snapshotVersions);
        assertThat(reloaded.snapshotSizes).isEqualTo(cached.snapshotSizes);
    }

    /** One stream, "counter-a", whose state is the number of events applied; its snapshot has a chosen size. */
    private static final class Run {
        final List<Long> snapshotVersions = new ArrayList<>();
        final List<Integer> snapshotSizes = new ArrayList<>();
        final AggregateCache<Long> cache = new AggregateCache<>(10);
        private final BatchDecider<String, byte[], Long> decider;
        private final MemorySession store = new MemorySession();
        private long nextOffset;

        Run(int fixedStateBytes, int stateBytesPerEvent) {
            Decider<String, byte[], Long> counter = new Decider<>() {
                @Override
                public Long initialState() {
                    return 0L;
                }

                @Override
                public List<byte[]> decide(String command, Long state) {
                    return List.of(new byte[EVENT_BYTES]);
                }

                @Override
                public Long evolve(Long state, byte[] event) {
                    return state + 1;
                }
            };
            AggregateCodec<String, byte[], Long> codec = new AggregateCodec<>() {
                @Override
                public String streamPrefix() {
                    return "counter";
                }

                @Override
                public DecodedCommand<String> decodeCommand(String key, byte[] value, Instant hubTime) {
                    return new DecodedCommand<>(new String(value), "command-" + new String(value), "c");
                }

                @Override
                public byte[] encodeEvent(byte[] event, EventStamp stamp) {
                    return event;
                }

                @Override
                public byte[] decodeEvent(byte[] payload) {
                    return payload;
                }

                @Override
                public String eventType(byte[] event) {
                    return "Counted";
                }

                @Override
                public byte[] encodeState(Long state) {
                    int size = Math.max(8, fixedStateBytes + (int) (stateBytesPerEvent * state));
                    return ByteBuffer.allocate(size).putLong(state).array();
                }

                @Override
                public Long decodeState(byte[] bytes) {
                    return ByteBuffer.wrap(bytes).getLong();
                }
            };
            this.decider = new BatchDecider<>("counter", counter, codec, EVERY);
        }

        /** Decides {@code n} commands for the stream in batches of {@code batchSize}, committing each to the store. */
        void commands(int n, int batchSize) throws Exception {
            for (int sent = 0; sent < n; sent += batchSize) {
                List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
                for (int i = 0; i < batchSize; i++) {
                    long offset = nextOffset++;
                    records.add(new ConsumerRecord<>(SOURCE.topic(), SOURCE.partition(), offset, "a",
                            Long.toString(offset).getBytes()));
                }
                DecidedBatch<Long> batch = decider.decide(store, new ConsumerRecords<>(Map.of(SOURCE, records), Map.of()),
                        cache, Map.of(SOURCE, nextOffset - batchSize), Instant.EPOCH, BatchDecider.Uncommitted.NONE);
                store.commit(batch);
                batch.streams().forEach(cache::put);
                for (Snapshot s : batch.snapshots()) {
                    snapshotVersions.add(s.version());
                    snapshotSizes.add(s.state().length);
                }
            }
        }
    }
}
