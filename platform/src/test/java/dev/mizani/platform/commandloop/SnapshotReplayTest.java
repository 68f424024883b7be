package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.eventstore.LoadedStream;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.probe.ProbeTally;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.TallyHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Latest snapshot + tail rebuilds exactly the state a replay of every event from version 1 gives. */
class SnapshotReplayTest {
    private final TallyHarness h = new TallyHarness(2);

    @AfterEach
    void stop() {
        h.closeAll();
    }

    @Test
    void snapshotPlusTailEqualsFullReplayForLongStreams() throws Exception {
        List<String> keys = h.keys(2);
        h.send(keys, 6_030);
        // A small cache forces reloads from snapshot + tail while the streams are still growing.
        var processor = h.processor(h.settings().withSnapshotEvery(100).withCacheSizeMax(1), ProcessorHooks.NONE, null);
        Await.until(Duration.ofSeconds(90), "6030 commands processed", () -> processor.stats().commands() == 6_030);

        ProbeTally decider = new ProbeTally();
        Map<String, LoadedStream> loaded = h.infra.eventStore.load(keys.stream().map(k -> "tally-" + k).toList());
        for (String key : keys) {
            LoadedStream stream = loaded.get("tally-" + key);
            assertThat(stream.snapshot()).as("snapshot of %s", key).isNotNull();
            assertThat(stream.tail().size()).as("tail after the snapshot").isLessThan(100);

            ProbeTally.State fromSnapshot = h.codec.decodeState(stream.snapshot().state());
            for (StoredEvent e : stream.tail()) {
                fromSnapshot = decider.evolve(fromSnapshot, h.codec.decodeEvent(e.payload()));
            }
            ProbeTally.State replayed = decider.initialState();
            List<StoredEvent> all = h.infra.eventStore.readStream("tally-" + key);
            for (StoredEvent e : all) {
                replayed = decider.evolve(replayed, h.codec.decodeEvent(e.payload()));
            }
            assertThat(all).hasSize(3_015);
            assertThat(stream.version()).isEqualTo(all.getLast().version());
            assertThat(fromSnapshot).isEqualTo(replayed);
        }
    }
}
