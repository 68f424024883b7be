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
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.RegistryLink;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The gateway's callback notifier meets a transfer event whose schema it has not seen while the registry is away:
 * it says so in /health and calls the participant back once the registry is back, where it used to skip the event
 * and lose its callback. The event is a transfer's commit published again in the older whole-envelope format: a
 * redelivery, which every other reader recognises and the payer may be told twice (callbacks are at least once).
 */
class CallbackRegistryOutageTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);

    @Test
    void aCommitTheNotifierCannotReadUntilTheRegistryIsBackIsCalledBackThenNotSkipped() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        try (RegistryLink link = new RegistryLink(infra.infrastructure.registryUrl());
             HttpHub hub = new HttpHub(10_000, 10_000, Optional.empty(), Jws.Settings.NONE, link.registry())) {
            Dfsp payer = hub.onboard("rp-" + RUN, "100000", "100000", true);
            Dfsp payee = hub.onboard("re-" + RUN, "100000", "100000", true);
            hub.f.awaitDirectoryKnows(payer.name(), payee.name());
            Prepared p = prepareBody(payer.name(), payee.name(), "3", Duration.ofSeconds(60));
            expect(hub.fspiop(payer, "POST", "/transfers", p.body()), 202);
            payee.awaitCallback("POST", "/transfers", p.id());
            expect(hub.fspiop(payee, "PUT", "/transfers/" + p.id(), fulfilBody(p.fulfilment())), 200);
            payer.awaitCallback("PUT", "/transfers/" + p.id(), p.id());
            long told = callbacks(payer, p.id());

            link.cut();
            hub.f.<TransferEventEnvelope>republishInEnvelopeFormat(HubTopics.TRANSFERS_EVENTS,
                    TransferEventEnvelope.getClassSchema(), infra.eventStore.readStream("transfer-" + p.id()).getLast(), p.id());
            Await.until(HubFixture.BOUND, "the notifier reported waiting", () -> !notifier(hub).up());
            assertThat(notifier(hub).detail()).contains("waiting for the schema registry");
            assertThat(callbacks(payer, p.id())).as("nothing sent while it waits").isEqualTo(told);

            link.restore();
            Await.until(HubFixture.BOUND, "the payer told of the commit again", () -> callbacks(payer, p.id()) == told + 1);
            Await.until(HubFixture.BOUND, "the notifier UP again", () -> notifier(hub).up());
        }
    }

    private static long callbacks(Dfsp dfsp, String transferId) {
        return dfsp.inbox().stream().filter(r -> r.path().equals("/transfers/" + transferId)).count();
    }

    private static Health.Check notifier(HttpHub hub) {
        return hub.f.hub.health.probe("/health").checks().get("callback-notifier");
    }
}
