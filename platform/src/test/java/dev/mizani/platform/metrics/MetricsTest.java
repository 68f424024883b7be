package dev.mizani.platform.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.platform.testing.MetricsText;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void countersAndGaugesAreWrittenUnderTheirOwnNamesWithTheirHelpTypeAndLabels() {
        Metrics m = new Metrics();
        m.counter("jobs_total", "Jobs done", "queue", "a").add(3);
        m.counter("jobs_total", "Jobs done", "queue", "b").inc();
        AtomicLong depth = new AtomicLong(7);
        m.gauge("depth", "Queue depth", depth::get);
        depth.set(9);

        String text = m.scrape();
        assertThat(text).contains("# HELP jobs_total Jobs done\n# TYPE jobs_total counter\n",
                "# HELP depth Queue depth\n# TYPE depth gauge\n");
        assertThat(MetricsText.value(text, "jobs_total{queue=\"a\"}")).isEqualTo(3);
        assertThat(MetricsText.value(text, "jobs_total{queue=\"b\"}")).isEqualTo(1);
        assertThat(MetricsText.value(text, "depth")).isEqualTo(9);
    }

    @Test
    void histogramBucketsAreCumulativeWithABoundInclusiveAndSecondsKeptToTheNanosecond() {
        Metrics m = new Metrics();
        Metrics.Histogram h = m.histogram("wait_seconds", "Wait", new double[] {0.0005, 0.25, 1}, "stage", "poll");
        h.observe(0);
        h.observe(0.25); // on a bound: counted in that bucket (le is "less than or equal")
        h.observeNanos(500_000_000);
        h.observe(30);

        String text = m.scrape();
        assertThat(text).contains("# TYPE wait_seconds histogram\n");
        assertThat(MetricsText.value(text, "wait_seconds_bucket{stage=\"poll\",le=\"5.0E-4\"}")).isEqualTo(1);
        assertThat(MetricsText.value(text, "wait_seconds_bucket{stage=\"poll\",le=\"0.25\"}")).isEqualTo(2);
        assertThat(MetricsText.value(text, "wait_seconds_bucket{stage=\"poll\",le=\"1.0\"}")).isEqualTo(3);
        assertThat(MetricsText.value(text, "wait_seconds_bucket{stage=\"poll\",le=\"+Inf\"}")).isEqualTo(4);
        assertThat(MetricsText.value(text, "wait_seconds_sum{stage=\"poll\"}")).isEqualTo(30.75);
        assertThat(MetricsText.value(text, "wait_seconds_count{stage=\"poll\"}")).isEqualTo(4);
        assertThat(h.count()).isEqualTo(4);

        Metrics.Histogram sizes = m.histogram("batch_records", "Records per batch", Metrics.BATCH_SIZES);
        sizes.observe(1);
        sizes.observe(3);
        String after = m.scrape();
        assertThat(MetricsText.value(after, "batch_records_bucket{le=\"1.0\"}")).isEqualTo(1);
        assertThat(MetricsText.value(after, "batch_records_bucket{le=\"5.0\"}")).isEqualTo(2);
    }

    @Test
    void registeringASeriesAgainReturnsItSoAReplacementKeepsCountingAndAGaugeReadsItsNewSource() {
        Metrics m = new Metrics();
        m.counter("restarts_total", "Restarts", "processor", "transfers").inc();
        m.counter("restarts_total", "Restarts", "processor", "transfers").inc();
        assertThat(m.counter("restarts_total", "Restarts", "processor", "transfers").value()).isEqualTo(2);
        m.gauge("up", "Up", () -> 1);
        m.gauge("up", "Up", () -> 0);
        assertThat(MetricsText.value(m.scrape(), "up")).isEqualTo(0);
    }

    @Test
    void labelValuesAreEscapedAndABrokenGaugeReadsNaN() {
        Metrics m = new Metrics();
        m.gauge("odd", "Odd\nhelp", () -> {
            throw new IllegalStateException("not yet");
        }, "path", "a\"b\\c\nd");
        assertThat(m.scrape()).contains("# HELP odd Odd\\nhelp\n", "odd{path=\"a\\\"b\\\\c\\nd\"} NaN\n");
    }

    @Test
    void misuseIsRefusedWhenRegistering() {
        Metrics m = new Metrics();
        m.counter("x_total", "X");
        assertThatThrownBy(() -> m.gauge("x_total", "X", () -> 1)).hasMessageContaining("already a counter");
        assertThatThrownBy(() -> m.counter("bad name_total", "X")).hasMessageContaining("not a metric name");
        assertThatThrownBy(() -> m.counter("x", "X")).hasMessageContaining("ends in _total");
        assertThatThrownBy(() -> m.counter("y_total", "Y", "le", "1")).hasMessageContaining("not a label name");
        assertThatThrownBy(() -> m.counter("y_total", "Y", "odd")).hasMessageContaining("pairs");
        assertThatThrownBy(() -> m.histogram("h", "H", new double[] {1, 1})).hasMessageContaining("increase");
        m.histogram("h2", "H", new double[] {1, 2});
        assertThatThrownBy(() -> m.histogram("h2", "H", new double[] {1, 3})).hasMessageContaining("other bucket");
        assertThatThrownBy(() -> m.counter("z_total", "Z").add(-1)).hasMessageContaining("only goes up");
    }

    @Test
    void aProcessesFiguresCarryTheJvmTheProcessAndTheConnectionPoolUntilClosed() {
        try (Metrics process = Metrics.ofProcess()) {
            String text = process.scrape();
            assertThat(text).containsPattern("(?m)^jvm_memory_used_bytes\\{").containsPattern("(?m)^process_cpu_usage ")
                    .containsPattern("(?m)^jvm_gc_").containsPattern("(?m)^process_uptime_seconds ");
        }
        assertThat(new Metrics().scrape()).doesNotContain("jvm_memory_used_bytes");
    }
}
