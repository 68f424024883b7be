package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.gateway.security.LoadSharing;
import dev.mizani.gateway.security.RateLimits;
import dev.mizani.hub.HubServices;
import dev.mizani.platform.testing.SharedInfrastructure;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two gateway processes' rate limits, sharing their load over the real broker: a participant sending to both as fast
 * as it can is admitted at about its rate in total, not its rate at each. The same two without sharing admit twice
 * one bucket's worth, which the bound rules out; with sharing the excess is what each hears late (some 100-200 ms
 * of the rate per other process).
 */
class SharedRateLimitsTest {
    private static final int RATE = 100;
    private static final int BURST = 100;
    private static final long SECONDS = 3;

    @Test
    void aParticipantSendingToTwoGatewaysIsAdmittedAtItsRateInTotal() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        HubServices.prepare(infra.dataSource, infra.bootstrap(), 4);
        String participant = "shared-" + UUID.randomUUID().toString().substring(0, 6);
        RateLimits a = new RateLimits(System::nanoTime);
        RateLimits b = new RateLimits(System::nanoTime);
        long admitted = 0;
        try (LoadSharing sharingA = new LoadSharing(infra.bootstrap(), a, Duration.ofMillis(100)).start();
             LoadSharing sharingB = new LoadSharing(infra.bootstrap(), b, Duration.ofMillis(100)).start()) {
            long end = System.nanoTime() + SECONDS * 1_000_000_000L;
            while (System.nanoTime() < end) { // some 1,000 requests a second to each gateway
                admitted += a.take(participant, RATE, BURST).allowed() ? 1 : 0;
                admitted += b.take(participant, RATE, BURST).allowed() ? 1 : 0;
                Thread.sleep(1);
            }
        }
        long alone = RATE * SECONDS + BURST; // one process's bucket over the run
        System.out.printf("admitted %d by two gateways sharing their load; one bucket admits %d%n", admitted, alone);
        assertThat(admitted).as("admitted by both gateways together").isBetween(alone * 8 / 10, alone * 14 / 10);
    }
}
