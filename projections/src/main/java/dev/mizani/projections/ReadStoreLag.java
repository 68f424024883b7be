package dev.mizani.projections;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * How far the live read store trails the event topics, measured from outside the projection: its stored Kafka
 * positions against the topics' ends. For a process that serves queries while the projection runs elsewhere.
 */
public final class ReadStoreLag implements AutoCloseable {
    private final DataSource dataSource;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private ProjectionHandler.Lag last = new ProjectionHandler.Lag(-1, -1, null, Instant.EPOCH, 0, true);

    public ReadStoreLag(DataSource dataSource, String bootstrap) {
        this.dataSource = dataSource;
        this.consumer = new KafkaConsumer<>(KafkaClients.plainConsumer(bootstrap, null), new StringDeserializer(),
                new ByteArrayDeserializer());
        for (String topic : List.of(HubTopics.TRANSFERS_EVENTS, HubTopics.PARTICIPANTS_EVENTS)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
    }

    /** The lag, measured at most twice a second; the last measure while the database or broker does not answer. */
    public synchronized ProjectionHandler.Lag current() {
        if (last.measuredAt().plusMillis(500).isAfter(Instant.now())) {
            return last;
        }
        try {
            last = fromStored(dataSource, consumer, partitions, null, 0);
        } catch (SQLException | RuntimeException e) {
            return last;
        }
        return last;
    }

    /** The live read store's stored positions against the topics' ends, read with {@code consumer}. */
    static ProjectionHandler.Lag fromStored(DataSource dataSource, KafkaConsumer<String, byte[]> consumer,
                                           List<TopicPartition> partitions, Instant lastEventAt, long eventsApplied)
            throws SQLException {
        Map<TopicPartition, Long> stored;
        try (Connection c = dataSource.getConnection()) {
            stored = ProjectionHandler.storedOffsets(c, ReadStore.LIVE);
        }
        return of(partitions, consumer.endOffsets(partitions, Duration.ofSeconds(2)), tp -> stored.getOrDefault(tp, 0L),
                lastEventAt, eventsApplied);
    }

    /** Events between {@code position} and the end of each partition, summed per topic. */
    static ProjectionHandler.Lag of(List<TopicPartition> partitions, Map<TopicPartition, Long> end,
                                    ToLongFunction<TopicPartition> position, Instant lastEventAt, long eventsApplied) {
        long transfers = 0;
        long participants = 0;
        for (TopicPartition tp : partitions) {
            long behind = Math.max(0, end.getOrDefault(tp, 0L) - position.applyAsLong(tp));
            if (tp.topic().equals(HubTopics.TRANSFERS_EVENTS)) {
                transfers += behind;
            } else {
                participants += behind;
            }
        }
        return new ProjectionHandler.Lag(transfers, participants, lastEventAt, Instant.now(), eventsApplied, true);
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
