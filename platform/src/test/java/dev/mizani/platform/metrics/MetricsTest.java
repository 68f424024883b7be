package dev.mizani.platform.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void countersAndGaugesAreWrittenWithTheirHelpTypeAndLabels() {
        Metrics m = new Metrics();
        m.counter("jobs_total", "Jobs done", "queue", "a").add(3);
        m.counter("jobs_total", "Jobs done", "queue", "b").inc();
        AtomicLong depth = new AtomicLong(7);
        m.gauge("depth", "Queue depth", depth::get);
        depth.set(9);

        assertThat(m.scrape()).isEqualTo("""
                # HELP jobs_total Jobs done
                # TYPE jobs_total counter
                jobs_total{queue="a"} 3
                jobs_total{queue="b"} 1
                # HELP depth Queue depth
                # TYPE depth gauge
                depth 9
                """);
    }

    @Test
    void histogramBucketsAreCumulativeAndTheCountIsTheLastBucket() {
        Metrics m = new Metrics();
        Metrics.Histogram h = m.histogram("wait_seconds", "Wait", new double[] {0.0005, 0.25, 1}, "stage", "poll");
        h.observe(0);
        h.observe(0.25); // on a bound: counted in that bucket (le is "less than or equal")
        h.observeNanos(500_000_000);
        h.observe(30);

        assertThat(m.scrape()).isEqualTo("""
                # HELP wait_seconds Wait
                # TYPE wait_seconds histogram
                wait_seconds_bucket{stage="poll",le="0.0005"} 1
                wait_seconds_bucket{stage="poll",le="0.25"} 2
                wait_seconds_bucket{stage="poll",le="1"} 3
                wait_seconds_bucket{stage="poll",le="+Inf"} 4
                wait_seconds_sum{stage="poll"} 30.75
                wait_seconds_count{stage="poll"} 4
                """);
        assertThat(h.count()).isEqualTo(4);
    }

    @Test
    void registeringASeriesAgainReturnsItSoAReplacementKeepsCounting() {
        Metrics m = new Metrics();
        m.counter("restarts_total", "Restarts", "processor", "transfers").inc();
        m.counter("restarts_total", "Restarts", "processor", "transfers").inc();
        assertThat(m.counter("restarts_total", "Restarts", "processor", "transfers").value()).isEqualTo(2);
    }

    @Test
    void labelValuesAreEscapedAndABrokenGaugeReadsNaN() {
        Metrics m = new Metrics();
        m.gauge("odd", "Odd\nhelp", () -> {
            throw new IllegalStateException("not yet");
        }, "path", "a\"b\\c\nd");
        assertThat(m.scrape()).isEqualTo("""
                # HELP odd Odd\\nhelp
                # TYPE odd gauge
                odd{path="a\\"b\\\\c\\nd"} NaN
                """);
    }

    @Test
    void misuseIsRefusedWhenRegistering() {
        Metrics m = new Metrics();
        m.counter("x_total", "X");
        assertThatThrownBy(() -> m.gauge("x_total", "X", () -> 1)).hasMessageContaining("already a counter");
        assertThatThrownBy(() -> m.counter("bad name", "X")).hasMessageContaining("not a metric name");
        assertThatThrownBy(() -> m.counter("y_total", "Y", "le", "1")).hasMessageContaining("not a label name");
        assertThatThrownBy(() -> m.counter("y_total", "Y", "odd")).hasMessageContaining("pairs");
        assertThatThrownBy(() -> m.histogram("h", "H", new double[] {1, 1})).hasMessageContaining("increase");
        m.histogram("h2", "H", new double[] {1, 2});
        assertThatThrownBy(() -> m.histogram("h2", "H", new double[] {1, 3})).hasMessageContaining("other bucket");
        assertThatThrownBy(() -> m.counter("z_total", "Z").add(-1)).hasMessageContaining("only goes up");
    }
}
