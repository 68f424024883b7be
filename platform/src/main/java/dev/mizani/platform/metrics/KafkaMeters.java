package dev.mizani.platform.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * A Kafka client's own figures, as {@code kafka_<group>_<name>} series in {@link Metrics#shared()}: a producer's
 * send rates, errors and buffer use, a consumer's fetch rates, lag and rebalances, a client's requests and
 * connections. Named in every client's {@code metric.reporters} by {@code KafkaClients}. Per-broker, per-topic and
 * per-partition figures are left out: with eight partitions a topic and dozens of clients a process, they would
 * outnumber everything else; the hub's own series say what a topic's traffic is.
 */
public final class KafkaMeters implements MetricsReporter {
    private static final Set<String> FINE_GRAINED = Set.of("node-id", "topic", "partition");
    private final Map<MetricName, Meter> meters = new ConcurrentHashMap<>();

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public void init(List<KafkaMetric> metrics) {
        metrics.forEach(this::metricChange);
    }

    @Override
    public void metricChange(KafkaMetric metric) {
        MetricName n = metric.metricName();
        if (n.tags().keySet().stream().anyMatch(FINE_GRAINED::contains) || !(metric.metricValue() instanceof Number)) {
            return;
        }
        String group = n.group().endsWith("-metrics") ? n.group().substring(0, n.group().length() - 8) : n.group();
        String name = ("kafka_" + group + "_" + n.name()).replace('-', '_').toLowerCase(Locale.ROOT);
        List<Tag> tags = new ArrayList<>();
        n.tags().forEach((k, v) -> tags.add(Tag.of(k.replace('-', '_'), v)));
        String help = n.description() == null || n.description().isEmpty() ? n.name() : n.description();
        Meter meter = n.name().endsWith("-total")
                ? FunctionCounter.builder(name.substring(0, name.length() - "_total".length()), metric, KafkaMeters::value)
                        .description(help).tags(tags).register(Metrics.shared())
                : Gauge.builder(name, metric, KafkaMeters::value).description(help).tags(tags).register(Metrics.shared());
        Meter replaced = meters.put(n, meter);
        if (replaced != null && replaced != meter) {
            Metrics.shared().remove(replaced);
        }
    }

    private static double value(KafkaMetric metric) {
        return metric.metricValue() instanceof Number v ? v.doubleValue() : Double.NaN;
    }

    @Override
    public void metricRemoval(KafkaMetric metric) {
        Meter meter = meters.remove(metric.metricName());
        if (meter != null) {
            Metrics.shared().remove(meter);
        }
    }

    @Override
    public void close() {
        meters.values().forEach(Metrics.shared()::remove);
        meters.clear();
    }
}
