package dev.mizani.platform.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * The hub's counters, gauges and histograms, written out in Prometheus' text format (version 0.0.4).
 * Recording is lock-free and allocates nothing, so the hot paths can record every batch; only registering
 * and scraping take the lock. Registering a series that exists returns it, so an instance that replaces
 * a failed one keeps counting where the last one stopped.
 */
public final class Metrics {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** A count that only goes up. */
    public static final class Counter {
        private final LongAdder value = new LongAdder();

        public void inc() {
            value.increment();
        }

        public void add(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("a counter only goes up: " + n);
            }
            value.add(n);
        }

        public long value() {
            return value.sum();
        }
    }

    /** Observations counted into fixed buckets by upper bound, with their sum. */
    public static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] buckets;
        private final DoubleAdder sum = new DoubleAdder();

        private Histogram(double[] bounds) {
            this.bounds = bounds.clone();
            this.buckets = new LongAdder[bounds.length + 1];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        public void observe(double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            buckets[i].increment();
            sum.add(value);
        }

        /** A duration measured with {@link System#nanoTime()}, observed in seconds. */
        public void observeNanos(long nanos) {
            observe(nanos / 1e9);
        }

        public long count() {
            long n = 0;
            for (LongAdder b : buckets) {
                n += b.sum();
            }
            return n;
        }

        public double sum() {
            return sum.sum();
        }
    }

    /** Upper bounds in seconds for stage durations, from half a millisecond to ten seconds. */
    public static final double[] SECONDS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10};

    /** Upper bounds for batch sizes. */
    public static final double[] BATCH_SIZES = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000};

    private enum Type { COUNTER, GAUGE, HISTOGRAM }

    private record Family(String name, String help, Type type, Map<String, Object> series) {}

    /** @param labels label names and values, alternating */
    public synchronized Counter counter(String name, String help, String... labels) {
        return (Counter) series(name, help, Type.COUNTER, labels, Counter::new);
    }

    public synchronized Histogram histogram(String name, String help, double[] bounds, String... labels) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException(name + ": bucket bounds must increase");
            }
        }
        Histogram h = (Histogram) series(name, help, Type.HISTOGRAM, labels, () -> new Histogram(bounds));
        if (!java.util.Arrays.equals(h.bounds, bounds)) {
            throw new IllegalArgumentException(name + " is registered with other bucket bounds");
        }
        return h;
    }

    /** A value read at each scrape; a supplier that throws is written as NaN. Registering it again replaces it. */
    public synchronized void gauge(String name, String help, DoubleSupplier value, String... labels) {
        Family f = family(name, help, Type.GAUGE);
        f.series().put(labelText(labels), value);
    }

    private Object series(String name, String help, Type type, String[] labels, java.util.function.Supplier<?> make) {
        return family(name, help, type).series().computeIfAbsent(labelText(labels), k -> make.get());
    }

    private Family family(String name, String help, Type type) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a metric name: " + name);
        }
        Family f = families.computeIfAbsent(name, n -> new Family(n, help, type, new LinkedHashMap<>()));
        if (f.type() != type) {
            throw new IllegalArgumentException(name + " is already a " + f.type().name().toLowerCase());
        }
        return f;
    }

    /** Every series, in the order registered: HELP and TYPE, then one line per value. */
    public String scrape() {
        List<Family> snapshot;
        synchronized (this) {
            snapshot = new ArrayList<>();
            for (Family f : families.values()) {
                snapshot.add(new Family(f.name(), f.help(), f.type(), new LinkedHashMap<>(f.series())));
            }
        }
        StringBuilder out = new StringBuilder(4_096);
        for (Family f : snapshot) {
            out.append("# HELP ").append(f.name()).append(' ').append(escapeHelp(f.help())).append('\n');
            out.append("# TYPE ").append(f.name()).append(' ').append(f.type().name().toLowerCase()).append('\n');
            f.series().forEach((labels, instrument) -> {
                switch (f.type()) {
                    case COUNTER -> line(out, f.name(), labels, null, ((Counter) instrument).value());
                    case GAUGE -> line(out, f.name(), labels, null, read((DoubleSupplier) instrument));
                    case HISTOGRAM -> histogram(out, f.name(), labels, (Histogram) instrument);
                }
            });
        }
        return out.toString();
    }

    private static void histogram(StringBuilder out, String name, String labels, Histogram h) {
        long cumulative = 0;
        for (int i = 0; i < h.buckets.length; i++) {
            cumulative += h.buckets[i].sum();
            String le = i < h.bounds.length
                    ? java.math.BigDecimal.valueOf(h.bounds[i]).stripTrailingZeros().toPlainString() : "+Inf";
            line(out, name + "_bucket", labels, "le=\"" + le + "\"", cumulative);
        }
        line(out, name + "_sum", labels, null, h.sum());
        // the +Inf bucket's count, read once: a scrape never shows a count that disagrees with its buckets
        line(out, name + "_count", labels, null, cumulative);
    }

    private static void line(StringBuilder out, String name, String labels, String extra, Object value) {
        out.append(name);
        if (!labels.isEmpty() || extra != null) {
            out.append('{').append(labels);
            if (extra != null) {
                out.append(labels.isEmpty() ? "" : ",").append(extra);
            }
            out.append('}');
        }
        out.append(' ').append(value instanceof Double d ? number(d) : value.toString()).append('\n');
    }

    private static double read(DoubleSupplier gauge) {
        try {
            return gauge.getAsDouble();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String labelText(String[] labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < labels.length; i += 2) {
            if (!LABEL.matcher(labels[i]).matches() || labels[i].startsWith("__") || labels[i].equals("le")) {
                throw new IllegalArgumentException("not a label name: " + labels[i]);
            }
            s.append(i == 0 ? "" : ",").append(labels[i]).append("=\"").append(escapeLabel(labels[i + 1])).append('"');
        }
        return s.toString();
    }

    private static String escapeLabel(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHelp(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
