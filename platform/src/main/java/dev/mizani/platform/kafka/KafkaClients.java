package dev.mizani.platform.kafka;

import dev.mizani.platform.commandloop.ProcessorSettings;
import dev.mizani.platform.metrics.KafkaMeters;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Client configurations the hub uses everywhere, in one place. Keys are strings, values Avro bytes. */
/** Every client made from these settings shows its figures through {@link KafkaMeters}. */
public final class KafkaClients {
    private KafkaClients() {}

    /**
     * Idempotent, acks=all: a retried send is never duplicated. Compressed with {@link #COMPRESSION}; a 1 ms
     * linger lets a batch's sends share requests.
     */
    public static Map<String, Object> idempotentProducer(String bootstrap, String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, KafkaMeters.class.getName());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, COMPRESSION);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /**
     * Offsets are stored in PostgreSQL with the effects, so auto-commit is off and Kafka's committed
     * offsets are never read. read_committed skips aborted transactional writes (Kafka Streams output).
     */
    public static Map<String, Object> processorConsumer(String bootstrap, ProcessorSettings settings) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, KafkaMeters.class.getName());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.name());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.name() + "-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.batchSizeMax());
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, settings.lingerMs());
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, settings.lingerBytesMin());
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        staticMember(p, settings.groupInstanceId());
        return p;
    }

    /**
     * How long the group waits for a member that stopped heartbeating before it gives its partitions to others:
     * the failover time when an instance dies for good. Kafka's default is 45 s.
     */
    public static final int SESSION_TIMEOUT_MS = 10_000;

    /**
     * Static group membership under {@code instanceId} (when not null) and a {@link #SESSION_TIMEOUT_MS} session. A
     * consumer that comes back under the same id (a process restarted after kill -9, a supervisor's replacement)
     * takes its partitions back at once instead of waiting out the dead member's session; offsets of the command
     * loop live in PostgreSQL and stale writers are fenced there, so nothing relies on the rebalance for safety.
     * Two live consumers must never share an id: the older one is fenced.
     */
    public static void staticMember(Map<String, Object> consumer, String instanceId) {
        consumer.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        if (instanceId != null) {
            consumer.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
    }

    /**
     * This process's name in consumer groups, stable across its restarts: {@code MIZANI_INSTANCE_ID} when set (a
     * StatefulSet's pod name, say), else the host name and the process's state directory, which no two processes
     * of one deployment share.
     */
    public static String instanceId(Map<String, String> env, java.nio.file.Path stateDir) {
        String configured = env.get("MIZANI_INSTANCE_ID");
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return host + "-" + Integer.toHexString(stateDir.toAbsolutePath().normalize().toString().hashCode());
    }

    /**
     * How long the broker may hold a follower's fetch to fill it, from {@code MIZANI_FOLLOWERS_LINGER_MS}
     * (default 20). Followers are the in-memory views of another context's stream, the callback notifier and
     * the policies. Answering each fetch as soon as one record is there (0) costs the broker a fetch per few
     * records at any rate: at a steady flow those fetches, not the records, are what the broker spends its CPU on.
     */
    public static final int FOLLOWERS_LINGER_MS = lingerFromEnv();

    /**
     * How every producer of the hub compresses, from {@code MIZANI_KAFKA_COMPRESSION}: none, gzip, snappy, lz4
     * or zstd (default none). In a steady flow each produce request holds a few records, and lz4 allocated a
     * 64 KiB block per batch and hashed it, on the producer and again on the broker: a fifth of the hub's
     * allocation. Without it, core mode at 2,000/s used 5–12% less CPU per transfer and halved its p99.
     * Compression pays when the broker is across a network, not on loopback.
     */
    public static final String COMPRESSION = compressionFromEnv();

    private static String compressionFromEnv() {
        String value = System.getenv("MIZANI_KAFKA_COMPRESSION");
        String type = value == null || value.isBlank() ? "none" : value.trim().toLowerCase(java.util.Locale.ROOT);
        if (!java.util.Set.of("none", "gzip", "snappy", "lz4", "zstd").contains(type)) {
            throw new IllegalArgumentException("MIZANI_KAFKA_COMPRESSION must be none, gzip, snappy, lz4 or zstd, got '" + value + "'");
        }
        return type;
    }

    private static int lingerFromEnv() {
        String value = System.getenv("MIZANI_FOLLOWERS_LINGER_MS");
        try {
            int ms = value == null || value.isBlank() ? 20 : Integer.parseInt(value.trim());
            if (ms < 0 || ms > 1_000) {
                throw new NumberFormatException();
            }
            return ms;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("MIZANI_FOLLOWERS_LINGER_MS must be 0..1000 (ms), got '" + value + "'");
        }
    }

    /** A plain consumer whose fetches linger {@link #FOLLOWERS_LINGER_MS} for up to 256 KiB. */
    public static Map<String, Object> followerConsumer(String bootstrap, String groupId) {
        Map<String, Object> p = plainConsumer(bootstrap, groupId);
        lingering(p);
        return p;
    }

    /** Sets a consumer's fetch to linger {@link #FOLLOWERS_LINGER_MS} for up to 256 KiB (when that is not 0). */
    public static void lingering(Map<String, Object> consumer) {
        if (FOLLOWERS_LINGER_MS > 0) {
            consumer.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FOLLOWERS_LINGER_MS);
            consumer.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 256 * 1024);
        }
    }

    public static Map<String, Object> plainConsumer(String bootstrap, String groupId) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, KafkaMeters.class.getName());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }
}
