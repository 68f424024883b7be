package dev.mizani.hub.http;

import static dev.mizani.hub.http.HttpHub.expect;
import static dev.mizani.hub.http.HttpHub.fulfilBody;
import static dev.mizani.hub.http.HttpHub.prepareBody;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.gateway.security.Jws;
import dev.mizani.hub.http.HttpHub.Dfsp;
import dev.mizani.hub.http.HttpHub.Prepared;
import dev.mizani.hub.lifecycle.HubFixture;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.MetricsText;
import dev.mizani.schemas.HubTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/**
 * The callback notifier's consumer is fenced: a second consumer joins its group under the same static instance id
 * (two gateways started with the same MIZANI_INSTANCE_ID), so the group hands it the notifier's partitions and the
 * notifier's next poll throws. The notifier follows again with a new consumer once the intruder has gone, and the
 * participants of the next transfer are called back; it used to stop for good, every later transfer expiring unheard.
 */
class CallbackNotifierRestartTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String RESTARTS = "mizani_callback_notifier_restarts_total";

    @Test
    void aFencedNotifierFollowsAgainAndCallsTheNextTransferBack() throws Exception {
        String instanceId = "notifier-" + RUN;
        try (HttpHub hub = new HttpHub(10_000, 10_000, Optional.empty(), Jws.Settings.NONE, null, instanceId)) {
            Dfsp payer = hub.onboard("np-" + RUN, "100000", "100000", true);
            Dfsp payee = hub.onboard("ne-" + RUN, "100000", "100000", true);
            hub.f.awaitDirectoryKnows(payer.name(), payee.name());
            transferCalledBack(hub, payer, payee);
            double restartsBefore = MetricsText.value(hub.f.hub.metrics.scrape(), RESTARTS);

            Map<String, Object> props = KafkaClients.followerConsumer(hub.f.infra.bootstrap(), "api-gateway-notifier");
            KafkaClients.staticMember(props, instanceId);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            try (KafkaConsumer<String, byte[]> intruder = new KafkaConsumer<>(props)) {
                intruder.subscribe(List.of(HubTopics.TRANSFERS_EVENTS));
                Await.until(HubFixture.BOUND, "the intruder holds the notifier's partitions", () -> {
                    intruder.poll(Duration.ofMillis(100));
                    return !intruder.assignment().isEmpty();
                });
                Await.until(HubFixture.BOUND, "the notifier fenced and following again", () ->
                        MetricsText.value(hub.f.hub.metrics.scrape(), RESTARTS) > restartsBefore);
                intruder.close(CloseOptions.timeout(Duration.ofSeconds(5))
                        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            }

            transferCalledBack(hub, payer, payee);
            Await.until(HubFixture.BOUND, "the notifier UP again", () -> notifier(hub).up());
            assertThat(MetricsText.value(hub.f.hub.metrics.scrape(), RESTARTS)).isEqualTo(restartsBefore + 1);
        }
    }

    private static void transferCalledBack(HttpHub hub, Dfsp payer, Dfsp payee) throws Exception {
        Prepared p = prepareBody(payer.name(), payee.name(), "2", Duration.ofSeconds(60));
        expect(hub.fspiop(payer, "POST", "/transfers", p.body()), 202);
        payee.awaitCallback("POST", "/transfers", p.id());
        expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
        payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id());
    }

    private static Health.Check notifier(HttpHub hub) {
        return hub.f.hub.health.probe("/health").checks().get("callback-notifier");
    }
}
