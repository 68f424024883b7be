package dev.mizani.platform.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.embedded.EmbeddedSchemaRegistry;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.registry.RegistryException;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The embedded registry killed (kill -9, as the OOM killer would) is started again on the same port by its watchdog,
 * with every schema it held: integrators and any process meeting a schema new to it can ask again.
 */
class EmbeddedRegistryRestartTest {
    @Test
    void aKilledRegistryIsStartedAgainOnItsPortWithItsSchemas() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        EmbeddedSchemaRegistry embedded = infra.infrastructure.embeddedRegistry();
        SchemaRegistryClient client = new SchemaRegistryClient(infra.infrastructure.registryUrl(), Duration.ofSeconds(2));
        String schema = "{\"type\":\"record\",\"name\":\"R" + UUID.randomUUID().toString().replace("-", "")
                + "\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}";
        int id = client.register("restart-" + UUID.randomUUID() + "-value", schema);
        long restarts = embedded.restarts();
        long pid = embedded.pid();

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        Await.until(Duration.ofSeconds(120), "the registry started again", () -> embedded.restarts() == restarts + 1);

        assertThat(embedded.pid()).isNotEqualTo(pid);
        assertThat(answers(client, id)).as("schema %d after the restart", id).contains("\"a\"");
    }

    private static String answers(SchemaRegistryClient client, int id) {
        try {
            return client.schemaById(id);
        } catch (RegistryException e) {
            return "not answered: " + e.getMessage();
        }
    }
}
