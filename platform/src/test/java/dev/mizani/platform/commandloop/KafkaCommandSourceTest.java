package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.kafka.Topics;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.SharedInfrastructure;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** On the real broker: a command handler instance that stops hands its partitions over at once, not after its session. */
class KafkaCommandSourceTest {
    private static final ConsumerRebalanceListener NOTHING = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    };

    @Test
    void aStaticMemberThatStopsLeavesItsGroupSoTheOtherTakesItsPartitionsWithinItsSession() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String run = UUID.randomUUID().toString().substring(0, 6);
        String topic = "handover-" + run;
        Topics.ensure(infra.bootstrap(), Map.of(topic, 4), (short) 1);
        ProcessorSettings settings = ProcessorSettings.defaults("handover-" + run, topic, topic + "-events");
        KafkaCommandSource a = new KafkaCommandSource(KafkaClients.processorConsumer(infra.bootstrap(),
                settings.withGroupInstanceId("a-" + run)));
        KafkaCommandSource b = new KafkaCommandSource(KafkaClients.processorConsumer(infra.bootstrap(),
                settings.withGroupInstanceId("b-" + run)));
        try {
            a.subscribe(topic, NOTHING);
            b.subscribe(topic, NOTHING);
            Await.until(Duration.ofSeconds(60), "both members own partitions", () -> {
                a.poll(Duration.ofMillis(50));
                b.poll(Duration.ofMillis(50));
                return !a.assignment().isEmpty() && !b.assignment().isEmpty()
                        && a.assignment().size() + b.assignment().size() == 4;
            });
            long stoppedAt = System.nanoTime();
            a.close();
            Await.until(Duration.ofSeconds(60), "the other member owns every partition", () -> {
                b.poll(Duration.ofMillis(50));
                return b.assignment().size() == 4;
            });
            Duration handover = Duration.ofNanos(System.nanoTime() - stoppedAt);
            assertThat(handover).as("handover after a stop; the session timeout is %d ms", KafkaClients.SESSION_TIMEOUT_MS)
                    .isLessThan(Duration.ofMillis(KafkaClients.SESSION_TIMEOUT_MS / 2));
        } finally {
            b.close();
        }
    }
}
