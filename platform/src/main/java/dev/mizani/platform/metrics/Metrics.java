package dev.mizani.platform.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * The hub's counters, gauges and histograms, kept by Micrometer's Prometheus registry and written out in
 * Prometheus' text format (version 0.0.4) under the names the hub has always used. Recording is lock-free, so the
 * hot paths can record every batch; only registering takes the lock. Registering a series that exists returns it,
 * so an instance that replaces a failed one keeps counting where the last one stopped; a gauge registered again
 * reads from its new source.
 *
 * <p>{@link #ofProcess()} also carries what every process has: the JVM's and the process's figures, every Kafka
 * client's (through {@link KafkaMeters}) and the connection pool's ({@link #shared()}).
 */
public final class Metrics implements AutoCloseable {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Type> types = new HashMap<>();
    private final Map<String, Object> series = new HashMap<>();
    private boolean shared;

    /** A count that only goes up. */
    public static final class Counter {
        private final io.micrometer.core.instrument.Counter counter;

        private Counter(io.micrometer.core.instrument.Counter counter) {
            this.counter = counter;
        }

        public void inc() {
            counter.increment();
        }

        public void add(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("a counter only goes up: " + n);
            }
            counter.increment(n);
        }

        public long value() {
            return (long) counter.count();
        }
    }

    /**
     * Observations counted into fixed buckets by upper bound, with their sum. A histogram whose name ends in
     * {@code _seconds} is a Micrometer timer (it keeps nanoseconds); any other counts whole things (batch sizes):
     * Micrometer's summaries round an observation up to a whole number before finding its bucket.
     */
    public static final class Histogram {
        private final double[] bounds;
        private final Timer timer;
        private final DistributionSummary summary;

        private Histogram(double[] bounds, Timer timer, DistributionSummary summary) {
            this.bounds = bounds.clone();
            this.timer = timer;
            this.summary = summary;
        }

        public void observe(double value) {
            if (timer != null) {
                timer.record((long) (value * 1e9), TimeUnit.NANOSECONDS);
            } else {
                summary.record(value);
            }
        }

        /** A duration measured with {@link System#nanoTime()}, observed in seconds. */
        public void observeNanos(long nanos) {
            if (timer != null) {
                timer.record(nanos, TimeUnit.NANOSECONDS);
            } else {
                summary.record(nanos / 1e9);
            }
        }

        public long count() {
            return timer != null ? timer.count() : summary.count();
        }

        public double sum() {
            return timer != null ? timer.totalTime(TimeUnit.SECONDS) : summary.totalAmount();
        }
    }

    /** Upper bounds in seconds for stage durations, from half a millisecond to ten seconds. */
    public static final double[] SECONDS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10};

    /** Upper bounds for batch sizes. */
    public static final double[] BATCH_SIZES = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000};

    private enum Type { COUNTER, GAUGE, HISTOGRAM }

    /**
     * A process's figures: the hub's own series, and those every process shares (JVM, process, Kafka clients,
     * connection pools), until {@link #close()}.
     */
    public static Metrics ofProcess() {
        Metrics m = new Metrics();
        ProcessMeters.bindOnce();
        io.micrometer.core.instrument.Metrics.addRegistry(m.registry);
        m.shared = true;
        return m;
    }

    /**
     * Where what a process shares registers itself (the JVM binders, {@link KafkaMeters}, a connection pool): every
     * {@link #ofProcess()} instance open shows it.
     */
    public static MeterRegistry shared() {
        return io.micrometer.core.instrument.Metrics.globalRegistry;
    }

    /** The registry behind these series, for a library's own binder. */
    public MeterRegistry registry() {
        return registry;
    }

    /** @param labels label names and values, alternating; the name ends in {@code _total} */
    public synchronized Counter counter(String name, String help, String... labels) {
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        }
        Tags tags = tags(labels);
        return (Counter) series(name, Type.COUNTER, tags, () -> new Counter(io.micrometer.core.instrument.Counter
                .builder(name.substring(0, name.length() - "_total".length())).description(help).tags(tags)
                .register(registry)));
    }

    public synchronized Histogram histogram(String name, String help, double[] bounds, String... labels) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException(name + ": bucket bounds must increase");
            }
        }
        Tags tags = tags(labels);
        Histogram h = (Histogram) series(name, Type.HISTOGRAM, tags, () -> name.endsWith("_seconds")
                ? new Histogram(bounds, Timer.builder(name).description(help).tags(tags)
                        .serviceLevelObjectives(java.util.Arrays.stream(bounds).mapToObj(b -> Duration.ofNanos((long) (b * 1e9)))
                                .toArray(Duration[]::new)).register(registry), null)
                : new Histogram(bounds, null, DistributionSummary.builder(name).description(help).tags(tags)
                        .serviceLevelObjectives(bounds).register(registry)));
        if (!java.util.Arrays.equals(h.bounds, bounds)) {
            throw new IllegalArgumentException(name + " is registered with other bucket bounds");
        }
        return h;
    }

    /** A value read at each scrape; a supplier that throws is written as NaN. Registering it again replaces it. */
    @SuppressWarnings("unchecked")
    public synchronized void gauge(String name, String help, DoubleSupplier value, String... labels) {
        Tags tags = tags(labels);
        var source = (AtomicReference<DoubleSupplier>) series(name, Type.GAUGE, tags, () -> {
            AtomicReference<DoubleSupplier> s = new AtomicReference<>();
            Gauge.builder(name, s, r -> read(r.get())).description(help).tags(tags).register(registry);
            return s;
        });
        source.set(value);
    }

    private Object series(String name, Type type, Tags tags, java.util.function.Supplier<?> make) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a metric name: " + name);
        }
        Type known = types.putIfAbsent(name, type);
        if (known != null && known != type) {
            throw new IllegalArgumentException(name + " is already a " + known.name().toLowerCase());
        }
        return series.computeIfAbsent(name + tags, k -> make.get());
    }

    /** Every series in Prometheus' text format 0.0.4. */
    public String scrape() {
        return registry.scrape();
    }

    private static double read(DoubleSupplier gauge) {
        try {
            return gauge == null ? Double.NaN : gauge.getAsDouble();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static Tags tags(String[] labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        Tags tags = Tags.empty();
        for (int i = 0; i < labels.length; i += 2) {
            if (!LABEL.matcher(labels[i]).matches() || labels[i].startsWith("__") || labels[i].equals("le")) {
                throw new IllegalArgumentException("not a label name: " + labels[i]);
            }
            tags = tags.and(labels[i], labels[i + 1]);
        }
        return tags;
    }

    /** Stops showing what the process shares; the hub's own series stay readable. */
    @Override
    public void close() {
        if (shared) {
            io.micrometer.core.instrument.Metrics.removeRegistry(registry);
            shared = false;
        }
    }
}
