package dev.mizani.platform.testing;

import dev.mizani.platform.commandloop.CommandProcessor;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.commandloop.ProcessorSettings;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.kafka.Topics;
import dev.mizani.platform.probe.ProbeTally;
import dev.mizani.platform.probe.ProbeTallyCodec;
import dev.mizani.platform.probe.TallyEventEnvelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A probe-aggregate setup on the shared infrastructure with its own topics and processor name, so tests
 * never see each other's records, streams or offsets.
 */
public final class TallyHarness {
    public final SharedInfrastructure infra = SharedInfrastructure.get();
    public final String id = UUID.randomUUID().toString().substring(0, 8);
    public final String commandTopic = "tally-" + id + ".commands";
    public final String eventTopic = "tally-" + id + ".events";
    public final int partitions;
    public final ProbeTallyCodec codec;
    private final List<CommandProcessor<?, ?, ?>> started = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private long commandSeq;

    public TallyHarness(int partitions) {
        this.partitions = partitions;
        Topics.ensure(infra.bootstrap(), Map.of(commandTopic, partitions, eventTopic, partitions,
                commandTopic + ".dlq", 1), (short) 1);
        codec = new ProbeTallyCodec(infra.registry, commandTopic, eventTopic);
        producer = new KafkaProducer<>(KafkaClients.idempotentProducer(infra.bootstrap(), "tally-" + id));
    }

    public ProcessorSettings settings() {
        return ProcessorSettings.defaults("tally-" + id, commandTopic, eventTopic).withBatchSizeMax(500);
    }

    public CommandProcessor<ProbeTally.Add, ProbeTally.Added, ProbeTally.State> processor(
            ProcessorSettings settings, ProcessorHooks hooks, List<Integer> manualPartitions) {
        return processor(settings, hooks, manualPartitions, codec);
    }

    /** A processor that reads through {@code codec} (one over a registry of its own, say). */
    public CommandProcessor<ProbeTally.Add, ProbeTally.Added, ProbeTally.State> processor(
            ProcessorSettings settings, ProcessorHooks hooks, List<Integer> manualPartitions, ProbeTallyCodec codec) {
        var p = new CommandProcessor<>(settings, new ProbeTally(), codec, infra.eventStore, infra.bootstrap(),
                Clock.systemUTC(), hooks, manualPartitions);
        started.add(p);
        return p.start();
    }

    public CommandProcessor<ProbeTally.Add, ProbeTally.Added, ProbeTally.State> processor(ProcessorHooks hooks) {
        return processor(settings(), hooks, null);
    }

    /** Sends {@code count} commands, amounts 1..count, round-robin over {@code keys}; returns each key's expected total. */
    public Map<String, Long> send(List<String> keys, int count) {
        Map<String, Long> totals = new HashMap<>();
        for (int i = 1; i <= count; i++) {
            String key = keys.get(i % keys.size());
            long amount = i;
            sendRaw(key, codec.command("cmd-" + id + "-" + (++commandSeq), amount, false));
            totals.merge(key, amount, Long::sum);
        }
        producer.flush();
        return totals;
    }

    public void sendRaw(String key, byte[] value) {
        producer.send(new ProducerRecord<>(commandTopic, key, value));
    }

    public void flush() {
        producer.flush();
    }

    public List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(id + "-k" + i);
        }
        return keys;
    }

    public List<ConsumerRecord<String, byte[]>> events(int expected) {
        return TopicReader.readAll(infra.bootstrap(), eventTopic, expected, Duration.ofSeconds(60), Duration.ofMillis(700));
    }

    public TallyEventEnvelope decode(ConsumerRecord<String, byte[]> r) {
        return codec.event(r.value());
    }

    /** Per stream: number of events, sum of amounts, and whether versions run 1..n without a gap. */
    public record StreamFacts(long events, long amountSum, boolean contiguous) {}

    public StreamFacts stream(String key) {
        try {
            return streamFacts(key);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private StreamFacts streamFacts(String key) throws SQLException {
        try (Connection c = infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     select count(*), coalesce(max(version), 0), count(distinct version) from events where stream_id = ?""")) {
            ps.setString(1, "tally-" + key);
            long count;
            boolean contiguous;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                count = rs.getLong(1);
                contiguous = rs.getLong(2) == count && rs.getLong(3) == count;
            }
            long sum = 0;
            for (var e : infra.eventStore.readStream("tally-" + key)) {
                sum += ((dev.mizani.platform.probe.TallyAdded) codec.event(e.payload()).getPayload()).getAmount();
            }
            return new StreamFacts(count, sum, contiguous);
        }
    }

    public long storedOffsetSum() {
        try (Connection c = infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "select coalesce(sum(greatest(next_offset, 0)), 0) from processor_offsets where processor = ?")) {
            ps.setString(1, "tally-" + id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void closeAll() {
        started.forEach(CommandProcessor::close);
        producer.close();
    }
}
