package dev.mizani.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.platform.testing.RegistryLink;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A hub started beside a registry that is still booting waits for it instead of failing its start; one that never
 * answers fails after MIZANI_REGISTRY_WAIT_S and says which registry and why. Against the real registry, through a
 * loopback link that is cut and restored.
 */
class SchemaSetupTest {
    private final SharedInfrastructure infra = SharedInfrastructure.get();

    @Test
    void aRegistryThatComesUpDuringTheWaitIsUsed() throws Exception {
        try (RegistryLink link = new RegistryLink(infra.infrastructure.registryUrl())) {
            link.cut();
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    return;
                }
                link.restore();
            });
            CachedSchemaRegistry registry = link.registry();
            long startNs = System.nanoTime();
            SchemaSetup.register(new SchemaRegistryClient(link.url(), Duration.ofSeconds(2)), registry, link.url(),
                    Duration.ofSeconds(60));
            assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isGreaterThan(Duration.ofMillis(1_500));
            var envelope = HubTopics.envelopes().entrySet().iterator().next();
            assertThat(registry.register(HubTopics.valueSubject(envelope.getKey()), envelope.getValue()))
                    .as("the same id the registry gives without the link")
                    .isEqualTo(infra.registry.register(HubTopics.valueSubject(envelope.getKey()), envelope.getValue()));
        }
    }

    @Test
    void aRegistryThatNeverAnswersFailsTheStartNamingItAndTheSetting() {
        try (RegistryLink link = new RegistryLink(infra.infrastructure.registryUrl())) {
            link.cut();
            long startNs = System.nanoTime();
            assertThatThrownBy(() -> SchemaSetup.register(new SchemaRegistryClient(link.url(), Duration.ofSeconds(1)),
                    link.registry(), link.url(), Duration.ofSeconds(2)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(link.url())
                    .hasMessageContaining("did not answer within 2 s (MIZANI_REGISTRY_WAIT_S)");
            assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
