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
        Metrics.Histogram commit = stage(metrics, "commit");
        Metrics.Histogram batch = metrics.histogram("mizani_processor_batch_records", "Records per polled batch",
                Metrics.BATCH_SIZES, "processor", "transfers");
        for (int i = 0; i < 40; i++) { // 40 batches of 250 over 10 s: 2.5 s polling, 6 s committing
            poll.observe(0.0625);
            commit.observe(0.15);
            batch.observe(250);
        }
        Map<String, HandlerLoops.Loop> loops = HandlerLoops.between(start, HandlerLoops.parse(metrics.scrape()), 10);

        assertThat(loops).containsOnlyKeys("transfers");
        HandlerLoops.Loop loop = loops.get("transfers");
        assertThat(loop.stageShare().get("poll")).isCloseTo(0.25, within(1e-9));
        assertThat(loop.stageShare().get("commit")).isCloseTo(0.6, within(1e-9));
        assertThat(loop.working()).isCloseTo(0.6, within(1e-9));
        assertThat(loop.batchesPerSecond()).isCloseTo(4, within(1e-9));
        assertThat(loop.meanBatch()).isCloseTo(250, within(1e-9));
        assertThat(HandlerLoops.describe("transfers", loop))
                .isEqualTo("  loop: transfers    poll  25% decide   0% commit  60% publish   0%  (working  60%);  4.0 batches/s of 250 records");
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
