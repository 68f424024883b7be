package dev.mizani.platform.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.kafka.Topics;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.NewerWriter;
import dev.mizani.platform.testing.RegistryLink;
import dev.mizani.platform.testing.SampleEvents;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.wire.EventWireCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy meets an event whose schema is new to it while the registry is away. Dead-lettering it would drop the
 * commands it causes (for a commit, the payee's credit); the policy waits and translates it once the registry is
 * back. On the real broker and registry, through a link that is cut and restored.
 */
class PolicyRegistryOutageTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Test
    void anEventOfASchemaNewToThePolicyIsTranslatedOnceTheRegistryIsBackNotDeadLettered(@TempDir Path state)
            throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String id = UUID.randomUUID().toString().substring(0, 8);
        String events = "policy-" + id + ".events";
        String commands = "policy-" + id + ".commands";
        Topics.ensure(infra.bootstrap(), Map.of(events, 1, commands, 1, commands + ".dlq", 1), (short) 1);
        EventWireCodec<TransferEventEnvelope> writer = new EventWireCodec<>(infra.registry, events,
                TransferEventEnvelope.getClassSchema());

        try (RegistryLink link = new RegistryLink(infra.infrastructure.registryUrl());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.idempotentProducer(infra.bootstrap(), id))) {
            EventWireCodec<TransferEventEnvelope> reader = new EventWireCodec<>(link.registry(), events,
                    TransferEventEnvelope.getClassSchema());
            PolicyStream.Translation translation = event -> {
                String transferId = reader.decode(event).getMetadata().getCorrelationId();
                return List.of(KeyValue.pair(transferId, ("release:" + transferId).getBytes(StandardCharsets.UTF_8)));
            };
            link.cut();
            producer.send(new ProducerRecord<>(events, "t-1",
                    NewerWriter.rewriteEvent(writer.encode(SampleEvents.expired("t-1")), events, infra.registry))).get();
            producer.send(new ProducerRecord<>(events, "t-2", writer.encode(SampleEvents.expired("t-2")))).get();
            try (PolicyStream policy = new PolicyStream("policy-" + id, infra.bootstrap(), events, commands, translation,
                    state, StreamsConfig.AT_LEAST_ONCE, "test-" + id).start()) {
                Await.until(BOUND, "the policy reported waiting", () -> !policy.check().up());
                assertThat(policy.check().detail()).contains("waiting for the schema registry");
                assertThat(TopicReader.readAll(infra.bootstrap(), commands, 0, Duration.ofSeconds(2), Duration.ofMillis(500)))
                        .as("nothing translated past the event it cannot read yet").isEmpty();

                link.restore();
                List<ConsumerRecord<String, byte[]>> out = TopicReader.readAll(infra.bootstrap(), commands, 2, BOUND,
                        Duration.ofMillis(500));
                assertThat(out).extracting(ConsumerRecord::key).containsExactly("t-1", "t-2");
                assertThat(policy.check().up()).as(policy.check().detail()).isTrue();
            }
            assertThat(TopicReader.readAll(infra.bootstrap(), commands + ".dlq", 0, Duration.ofSeconds(2),
                    Duration.ofMillis(500))).as("dead letters").isEmpty();
        }
    }
}
