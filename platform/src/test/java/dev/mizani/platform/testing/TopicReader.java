package dev.mizani.platform.testing;

import dev.mizani.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads a whole topic from the beginning with its own consumer, outside any group. */
public final class TopicReader {
    private TopicReader() {}

    /** Reads until at least {@code expected} records arrived and then {@code quiet} passed with no more. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic, int expected,
                                                               Duration bound, Duration quiet) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaClients.plainConsumer(bootstrap, null))) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + bound.toNanos();
            long quietSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                var records = consumer.poll(Duration.ofMillis(100));
                records.forEach(out::add);
                if (!records.isEmpty()) {
                    quietSince = System.nanoTime();
                } else if (out.size() >= expected && System.nanoTime() - quietSince > quiet.toNanos()) {
                    break;
                }
            }
        }
        return out;
    }
}
