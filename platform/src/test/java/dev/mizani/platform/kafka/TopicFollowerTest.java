package dev.mizani.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.NewerWriter;
import dev.mizani.platform.testing.RegistryLink;
import dev.mizani.platform.testing.SampleEvents;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.EventWireCodec;
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
 * instead of its thread ending unseen while the view it feeds goes stale; one whose record's schema the registry
 * cannot give now waits, says so, and reads it once the registry is back.
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

    @Test
    void aRecordWhoseSchemaTheRegistryCannotGiveIsReadAgainLaterNotSkipped() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String topic = "follower-" + UUID.randomUUID().toString().substring(0, 6);
        Topics.ensure(infra.bootstrap(), Map.of(topic, 1), (short) 1);
        EventWireCodec<TransferEventEnvelope> writer = new EventWireCodec<>(infra.registry, topic,
                TransferEventEnvelope.getClassSchema());
        List<String> applied = new CopyOnWriteArrayList<>();
        try (RegistryLink link = new RegistryLink(infra.infrastructure.registryUrl());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.idempotentProducer(infra.bootstrap(), topic))) {
            EventWireCodec<TransferEventEnvelope> reader = new EventWireCodec<>(link.registry(), topic,
                    TransferEventEnvelope.getClassSchema());
            try (TopicFollower follower = new TopicFollower("test-view", infra.bootstrap(), List.of(topic),
                    r -> applied.add(reader.decode(r.value()).getMetadata().getCorrelationId()))) {
                send(producer, topic, writer.encode(SampleEvents.expired("t-1")));
                Await.until(Duration.ofSeconds(60), "the first record applied", () -> applied.contains("t-1"));

                link.cut();
                send(producer, topic, NewerWriter.rewriteEvent(writer.encode(SampleEvents.expired("t-2")), topic, infra.registry));
                send(producer, topic, writer.encode(SampleEvents.expired("t-3")));
                Await.until(Duration.ofSeconds(60), "the follower reported waiting", () -> !follower.check().up());
                assertThat(follower.check().detail()).contains("waiting for the schema registry");
                Thread.sleep(500); // a follower that skipped the record would apply the next one by now
                assertThat(applied).containsExactly("t-1");

                link.restore();
                Await.until(Duration.ofSeconds(60), "the rest applied", () -> applied.size() == 3);
                assertThat(applied).containsExactly("t-1", "t-2", "t-3");
                assertThat(follower.check().up()).as(follower.check().detail()).isTrue();
            }
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String value) throws Exception {
        send(producer, topic, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, "k", value)).get();
    }
}
