package dev.mizani.loadtest.ftps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mizani.platform.commandloop.ProcessorMetrics;
import dev.mizani.platform.metrics.Metrics;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandlerLoopsTest {

    /** Readings of the hub's own metrics text, so a renamed series fails here rather than report nothing. */
    @Test
    void sharesOfTheWindowComeFromTheHubsStageTimes() throws Exception {
        Metrics metrics = new Metrics();
        new ProcessorMetrics(metrics, "transfers");
        Map<String, Double> start = HandlerLoops.parse(metrics.scrape());
        Metrics.Histogram poll = stage(metrics, "poll");
        Metrics.Histogram decide = stage(metrics, "decide");
        Metrics.Histogram await = stage(metrics, "await");
        Metrics.Histogram commit = stage(metrics, "commit");
        Metrics.Histogram batch = metrics.histogram("mizani_processor_batch_records", "Records per polled batch",
                Metrics.BATCH_SIZES, "processor", "transfers");
        // 40 batches of 250 over 10 s: 2.5 s polling, 2 s deciding, 4 s waiting for the commit stage, 6 s committing
        for (int i = 0; i < 40; i++) {
            poll.observe(0.0625);
            decide.observe(0.05);
            await.observe(0.1);
            commit.observe(0.15);
            batch.observe(250);
        }
        Map<String, HandlerLoops.Loop> loops = HandlerLoops.between(start, HandlerLoops.parse(metrics.scrape()), 10);

        assertThat(loops).containsOnlyKeys("transfers");
        HandlerLoops.Loop loop = loops.get("transfers");
        assertThat(loop.stageShare().get("poll")).isCloseTo(0.25, within(1e-9));
        assertThat(loop.stageShare().get("commit")).isCloseTo(0.6, within(1e-9));
        assertThat(loop.working()).as("deciding and awaiting: the commit runs beside").isCloseTo(0.6, within(1e-9));
        assertThat(loop.batchesPerSecond()).isCloseTo(4, within(1e-9));
        assertThat(loop.meanBatch()).isCloseTo(250, within(1e-9));
        assertThat(HandlerLoops.describe("transfers", loop)).isEqualTo("  loop: transfers    poll  25% decide  20% await"
                + "  40% commit  60% publish   0%  (working  60%);  4.0 batches/s of 250 records");
    }

    /** A hub from before the commit stage committed and published on the loop's thread: all of that was its work. */
    @Test
    void aHubWithoutACommitStageWorkedWhileItCommitted() {
        Map<String, Double> start = Map.of("transfers/batch/count", 0.0);
        Map<String, Double> end = Map.of("transfers/batch/count", 40.0, "transfers/batch/sum", 10_000.0,
                "transfers/decide/sum", 2.0, "transfers/commit/sum", 6.0, "transfers/publish/sum", 0.5);
        HandlerLoops.Loop loop = HandlerLoops.between(start, end, 10).get("transfers");
        assertThat(loop.working()).isCloseTo(0.85, within(1e-9));
    }

    @Test
    void nothingIsReportedWithoutBothReadings() {
        assertThat(HandlerLoops.between(Map.of(), Map.of("transfers/batch/count", 3.0), 10)).isEmpty();
    }

    private static Metrics.Histogram stage(Metrics metrics, String stage) {
        return metrics.histogram("mizani_processor_stage_seconds", "ignored when registered", Metrics.SECONDS,
                "processor", "transfers", "stage", stage);
    }
}
