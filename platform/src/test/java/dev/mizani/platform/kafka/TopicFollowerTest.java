package dev.mizani.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.SharedInfrastructure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * On the real broker: a follower whose view cannot take a record stops there and says so through its health check,
 * instead of its thread ending unseen while the view it feeds goes stale.
 */
class TopicFollowerTest {
    @Test
    void aFollowerStoppedByAFailureIsReportedDownWithItsReason() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String topic = "follower-" + UUID.randomUUID().toString().substring(0, 6);
        Topics.ensure(infra.bootstrap(), Map.of(topic, 1), (short) 1);
        List<String> applied = new CopyOnWriteArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.idempotentProducer(infra.bootstrap(), topic));
             TopicFollower follower = new TopicFollower("test-view", infra.bootstrap(), List.of(topic), r -> {
                 String value = new String(r.value(), StandardCharsets.UTF_8);
                 if (value.equals("unreadable")) {
                     throw new IllegalStateException("the view cannot take " + value);
                 }
                 applied.add(value);
             })) {
            send(producer, topic, "first");
            Await.until(Duration.ofSeconds(60), "the first record applied", () -> applied.contains("first"));
            assertThat(follower.check().up()).as(follower.check().detail()).isTrue();

            send(producer, topic, "unreadable");
            send(producer, topic, "after");
            Await.until(Duration.ofSeconds(60), "the follower reported down", () -> !follower.check().up());
            assertThat(follower.check().detail()).contains("stopped following", "the view cannot take unreadable");
            Thread.sleep(500); // a follower that carried on would apply the next record by now
            assertThat(applied).containsExactly("first");
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, "k", value.getBytes(StandardCharsets.UTF_8))).get();
    }
}
