package dev.mizani.loadtest.bench;

import dev.mizani.embedded.Infrastructure;
import dev.mizani.platform.commandloop.CommandProcessor;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.commandloop.ProcessorSettings;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.kafka.Topics;
import dev.mizani.platform.probe.ProbeTally;
import dev.mizani.platform.probe.ProbeTallyCodec;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Loads a command topic first, then times one processor draining it: from start until every command's
 * event is committed to PostgreSQL and acknowledged by the broker. 10,000 aggregates, so batches touch
 * many streams and the cache is warm after the first pass.
 */
final class CommandLoopRun {
    private static final int AGGREGATES = 10_000;

    private final Infrastructure infra;
    private final EventStore store;
    private final int partitions;
    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String commandTopic = "bench-" + id + ".commands";
    private final String eventTopic = "bench-" + id + ".events";
    private final ProbeTallyCodec codec;

    CommandLoopRun(Infrastructure infra, EventStore store, CachedSchemaRegistry registry, int partitions) {
        this.infra = infra;
        this.store = store;
        this.partitions = partitions;
        Topics.ensure(infra.kafkaBootstrap(), Map.of(commandTopic, partitions, eventTopic, partitions,
                commandTopic + ".dlq", 1), (short) 1);
        this.codec = new ProbeTallyCodec(registry, commandTopic, eventTopic);
    }

    /** Drain rates: {@code total} from processor start (includes joining the group), {@code steady} from its first event. */
    record Rates(double total, double steady) {}

    Rates commandsPerSecond(int commands) throws InterruptedException {
        AtomicLong failedSends = new AtomicLong();
        try (var producer = new KafkaProducer<String, byte[]>(KafkaClients.idempotentProducer(infra.kafkaBootstrap(), "bench-load"))) {
            for (int i = 0; i < commands; i++) {
                producer.send(new ProducerRecord<>(commandTopic, "agg-" + (i % AGGREGATES),
                        codec.command(id + "-" + i, 1, false)), (metadata, e) -> {
                            if (e != null) {
                                failedSends.incrementAndGet();
                            }
                        });
            }
            producer.flush();
        }
        if (failedSends.get() > 0) {
            throw new IllegalStateException(failedSends.get() + " of " + commands + " commands could not be loaded");
        }
        ProcessorSettings settings = ProcessorSettings.defaults("bench-" + id, commandTopic, eventTopic);
        long start = System.nanoTime();
        try (var processor = new CommandProcessor<>(settings, new ProbeTally(), codec, store, infra.kafkaBootstrap(),
                Clock.systemUTC(), ProcessorHooks.NONE, null).start()) {
            long lastReport = start;
            long firstEvent = 0;
            long firstEventCount = 0;
            while (processor.stats().events() < commands) {
                if (firstEvent == 0 && processor.stats().events() > 0) {
                    firstEvent = System.nanoTime();
                    firstEventCount = processor.stats().events();
                }
                if (processor.status() == CommandProcessor.Status.FAILED) {
                    throw new IllegalStateException("processor failed", processor.failure());
                }
                Thread.sleep(5);
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    lastReport = System.nanoTime();
                    System.out.printf("  ... %d partition(s): %,d of %,d commands%n", partitions,
                            processor.stats().events(), commands);
                }
            }
            long end = System.nanoTime();
            return new Rates(commands / ((end - start) / 1e9), (commands - firstEventCount) / ((end - firstEvent) / 1e9));
        }
    }
}
