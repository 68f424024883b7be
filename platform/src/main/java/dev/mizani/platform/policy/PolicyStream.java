package dev.mizani.platform.policy;

import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.metrics.KafkaMeters;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import dev.mizani.schemas.common.PackedCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stateless policy as a Kafka Streams application: each event of the source topic becomes zero or
 * more commands on the target topic, re-keyed. An event the translation cannot read goes to
 * {@code <target>.dlq} with a reason header and never blocks.
 *
 * <p>At least once (the hub's default), a crash makes the policy translate again the events after its last
 * committed offset. That is safe because derived commands carry deterministic ids ({@code reserve:<transfer>})
 * and the command loop applies each id once; it must be, because the command handlers themselves publish a
 * batch's events again after a crash between commit and publish, so even an exactly-once policy sees
 * duplicates. exactly_once_v2 remains selectable; it costs a Kafka transaction per commit interval and makes
 * the commands visible only at each commit.
 *
 * <p>A policy with a {@link Packer} sends the commands it derives for one key between two punctuations (between
 * rounds of processing once {@link #PACK_INTERVAL} passed; its poll is short, {@link #PACK_POLL_MS}) as one
 * record, a {@code CommandPack} of at most {@link PendingCommands#PACK_MAX}; a lone command goes on a record of its
 * own as without one. Until sent, the commands wait in a changelogged store keyed by the command's key, which Kafka
 * Streams flushes before it commits the offsets of the events they came from: a crash loses none (its successor
 * restores and sends them, perhaps again), and the store's cache writes the changelog once per key per commit, not
 * once per command.
 */
public final class PolicyStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PolicyStream.class);

    /** Event bytes to command records; throws for a record that can never be translated. */
    @FunctionalInterface
    public interface Translation {
        List<KeyValue<String, byte[]>> commandsFor(byte[] event);
    }

    /**
     * Packs the commands a policy derived for one key from several events into one record of the target topic,
     * whose handler unpacks it ({@code AggregateCodec#decodeCommands}).
     */
    @FunctionalInterface
    public interface Packer {
        /** The record value holding {@code commands} (two or more, in order) for {@code key}. */
        byte[] pack(String key, List<PackedCommand> commands, long timestamp);
    }

    /** How often a packing policy punctuates while it processes (Kafka Streams checks between rounds). */
    static final Duration PACK_INTERVAL = Duration.ofMillis(1);
    static final String PACKS = "packs";
    /** How long a packing policy's poll waits for records before it punctuates again. */
    static final long PACK_POLL_MS = 2;

    private final KafkaStreams streams;
    private final String applicationId;
    /** What the policy's thread waits for the registry to read, or null. */
    private final AtomicReference<RegistryUnavailableException> waiting = new AtomicReference<>();

    /**
     * @param guarantee  {@link StreamsConfig#EXACTLY_ONCE_V2} or {@link StreamsConfig#AT_LEAST_ONCE}
     * @param instanceId this process's stable name in consumer groups ({@link KafkaClients#instanceId}): restarted
     *                   under it, the policy gets its partitions back at once
     */
    public PolicyStream(String applicationId, String bootstrap, String sourceTopic, String targetTopic,
                        Translation translation, Path stateDir, String guarantee, String instanceId) {
        this(applicationId, bootstrap, sourceTopic, targetTopic, translation, null, stateDir, guarantee, instanceId);
    }

    /** @param packer packs the commands for one key into one record, or null to send each on its own */
    public PolicyStream(String applicationId, String bootstrap, String sourceTopic, String targetTopic,
                        Translation translation, Packer packer, Path stateDir, String guarantee, String instanceId) {
        this(applicationId, bootstrap, sourceTopic, targetTopic, translation, packer, PACK_INTERVAL, stateDir, guarantee,
                instanceId);
    }

    /** @param packInterval how long a packing policy holds commands at most while it processes */
    PolicyStream(String applicationId, String bootstrap, String sourceTopic, String targetTopic, Translation translation,
                 Packer packer, Duration packInterval, Path stateDir, String guarantee, String instanceId) {
        this.applicationId = applicationId;
        Topology topology = new Topology();
        topology.addSource("events", new StringDeserializer(), new ByteArrayDeserializer(), sourceTopic);
        topology.addProcessor("policy", () -> new Translate(translation, packer, packInterval, waiting), "events");
        if (packer != null) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PACKS), Serdes.String(),
                    Serdes.ByteArray()).withCachingEnabled(), "policy");
        }
        topology.addSink("commands", targetTopic, new StringSerializer(), new ByteArraySerializer(), "policy");
        topology.addSink("dead-letters", targetTopic + ".dlq", new StringSerializer(), new ByteArraySerializer(), "policy");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        boolean exactlyOnce = guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2);
        if (!exactlyOnce && !guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            throw new IllegalArgumentException("a policy's guarantee is exactly_once_v2 or at_least_once, got " + guarantee);
        }
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        // EOS commits (and so makes the commands visible) on this interval: the policy's added latency. At least
        // once, the commands are visible as soon as sent, and the interval bounds what a crash replays.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, exactlyOnce ? 20 : 200);
        if (packer != null) {
            // Kafka Streams punctuates between rounds of processing, not after the last one: what a round derived after
            // its last punctuation waits for the next poll to return, which a lingering fetch holds for up to 20 ms
            // (at 200 transfers/s over HTTP, 23 ms more at p50). A short poll ends that wait within a few
            // milliseconds; each empty poll costs the thread some 40 us, 2% of a core at a 2 ms poll.
            p.put(StreamsConfig.POLL_MS_CONFIG, PACK_POLL_MS);
        }
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        // its clients' figures in /metrics beside every other client's (requests, records per request, fetch rates)
        p.put(StreamsConfig.producerPrefix(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG), KafkaMeters.class.getName());
        p.put(StreamsConfig.consumerPrefix(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG), KafkaMeters.class.getName());
        p.put(StreamsConfig.producerPrefix("linger.ms"), 2);
        p.put(StreamsConfig.producerPrefix("compression.type"), KafkaClients.COMPRESSION);
        p.put(StreamsConfig.consumerPrefix("max.poll.records"), 2_000);
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), KafkaClients.SESSION_TIMEOUT_MS);
        p.put(StreamsConfig.consumerPrefix("group.instance.id"), instanceId + "-" + applicationId);
        Map<String, Object> fetch = new HashMap<>();
        KafkaClients.lingering(fetch);
        fetch.forEach((key, value) -> p.put(StreamsConfig.consumerPrefix(key), value));
        this.streams = new KafkaStreams(topology, p);
        this.streams.setUncaughtExceptionHandler(e -> {
            log.error("{} failed; replacing its stream thread", applicationId, e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    public PolicyStream start() {
        streams.start();
        return this;
    }

    /**
     * Up while its stream runs (or rebalances, or has not started); down when Kafka Streams stopped it on an error, and
     * while its thread waits for the registry to read an event whose schema it has not seen.
     */
    public Health.Check check() {
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR) {
            return Health.Check.down(applicationId + " stopped: " + state);
        }
        RegistryUnavailableException w = waiting.get();
        return w == null ? Health.Check.up(state.toString())
                : Health.Check.down("waiting for the schema registry: " + w.getMessage());
    }

    private static final class Translate implements Processor<String, byte[], String, byte[]> {
        private final Translation translation;
        private final AtomicReference<RegistryUnavailableException> waiting;
        private ProcessorContext<String, byte[]> context;
        /** The commands not sent yet, as the store holds them; only with a packer. */
        private final PendingCommands pending;
        private KeyValueStore<String, byte[]> packs;

        private final Duration packInterval;

        Translate(Translation translation, Packer packer, Duration packInterval,
                  AtomicReference<RegistryUnavailableException> waiting) {
            this.packInterval = packInterval;
            this.translation = translation;
            this.waiting = waiting;
            this.pending = packer == null ? null : new PendingCommands(packer);
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            if (pending == null) {
                return;
            }
            packs = context.getStateStore(PACKS);
            // what a predecessor held when it last committed: restored from the changelog, sent at the first punctuation
            // (an instance initialised again after its task was suspended starts from the store as well)
            pending.clear();
            try (KeyValueIterator<String, byte[]> held = packs.all()) {
                held.forEachRemaining(kv -> pending.restore(kv.key, kv.value, context.currentSystemTimeMs()));
            }
            context.schedule(packInterval, PunctuationType.WALL_CLOCK_TIME, now -> {
                if (!pending.isEmpty()) {
                    pending.send(this::forwardCommand).forEach(packs::delete);
                }
            });
        }

        private void forwardCommand(String key, byte[] command, long timestamp, long source) {
            context.forward(new Record<>(key, command, timestamp, EventPositions.sourceHeaders(source)), "commands");
        }

        @Override
        public void process(Record<String, byte[]> event) {
            List<KeyValue<String, byte[]>> commands;
            try {
                commands = translateWaitingForTheRegistry(event);
            } catch (StreamsException e) {
                throw e; // not the event's fault: read again by the thread that replaces this one
            } catch (RuntimeException e) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("mizani.dlq.reason", ("cannot translate event: " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
                context.forward(new Record<>(event.key(), event.value(), event.timestamp(), headers), "dead-letters");
                return;
            }
            // each command names the store position of the event it came from, which a republished event keeps:
            // the handler recognises the command again by it (EventPositions)
            long source = EventPositions.of(event.headers(), EventPositions.POSITION_HEADER);
            for (KeyValue<String, byte[]> c : commands) {
                if (pending == null) {
                    forwardCommand(c.key, c.value, event.timestamp(), source);
                    continue;
                }
                byte[] held = pending.add(c.key, source, c.value, event.timestamp(), this::forwardCommand);
                if (held == null) {
                    packs.delete(c.key);
                } else {
                    packs.put(c.key, held);
                }
            }
        }

        /**
         * An event whose schema is new to this process, met while the registry cannot be asked, is not a bad event:
         * dead-lettering it would drop its commands (a commit's credit to the payee). The thread waits for the
         * registry, up to {@link #REGISTRY_WAIT_MAX_MS}, then fails; its replacement reads the event again from the
         * last committed offset, and the command loop applies each derived command once.
         */
        private List<KeyValue<String, byte[]>> translateWaitingForTheRegistry(Record<String, byte[]> event) {
            long deadline = System.nanoTime() + REGISTRY_WAIT_MAX_MS * 1_000_000L;
            for (int attempt = 0; ; attempt++) {
                try {
                    List<KeyValue<String, byte[]>> commands = translation.commandsFor(event.value());
                    if (waiting.get() != null) {
                        waiting.set(null);
                    }
                    return commands;
                } catch (RegistryUnavailableException e) {
                    waiting.set(e);
                    if (System.nanoTime() > deadline) {
                        throw new StreamsException("gave up waiting for the schema registry", e);
                    }
                    if (attempt % 10 == 0) {
                        log.warn("policy waits for the schema registry to translate {}/{}/{}: {}",
                                context.recordMetadata().map(m -> m.topic()).orElse("?"),
                                context.recordMetadata().map(m -> m.partition()).orElse(-1),
                                context.recordMetadata().map(m -> m.offset()).orElse(-1L), e.getMessage());
                    }
                    try {
                        Thread.sleep(RegistryUnavailableException.pauseMs(attempt));
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw new StreamsException("interrupted waiting for the schema registry", e);
                    }
                }
            }
        }
    }

    /** How long a policy's thread waits for the registry before it fails and is replaced. */
    static final long REGISTRY_WAIT_MAX_MS = 60_000;

    @Override
    public void close() {
        // Streams keeps its group membership on close by default (to spare rebalances on a bounce); a
        // stopping hub leaves, so a successor does not wait out the old member's session.
        streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(10)));
    }
}
