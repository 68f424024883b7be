package dev.mizani.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The deployment files name what the hub defines: every container runs a service runnable the hub has, each service
 * is deployed, and every probe asks a health path on a port the container declares. They cannot be run here (no
 * container engine, no cluster); this keeps them from drifting away from the code.
 */
class DeploymentFilesTest {
    private static final Path ROOT = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));
    private static final Set<String> RUNNABLES = Arrays.stream(Service.values()).map(s -> s.runnable).collect(Collectors.toSet());

    @Test
    void kubernetesDeploysEveryServiceByItsRunnableWithProbesOnItsPorts() throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLMapper().readerFor(JsonNode.class)
                .readValues(Files.readString(ROOT.resolve("deploy/kubernetes/mizani.yaml")))) {
            parser.forEachRemaining(d -> docs.add((JsonNode) d));
        }
        List<String> deployed = new ArrayList<>();
        for (JsonNode doc : docs) {
            if (!doc.path("kind").asText().equals("Deployment")) {
                continue;
            }
            JsonNode container = doc.at("/spec/template/spec/containers/0");
            String runnable = container.at("/args/0").asText();
            assertThat(RUNNABLES).as("runnable of %s", doc.at("/metadata/name").asText()).contains(runnable);
            deployed.add(runnable);
            Set<String> ports = new java.util.HashSet<>();
            container.path("ports").forEach(p -> ports.add(p.path("name").asText()));
            for (String probe : List.of("readinessProbe", "livenessProbe")) {
                JsonNode get = container.at("/" + probe + "/httpGet");
                assertThat(get.path("path").asText()).isEqualTo(probe.startsWith("readiness") ? "/health/ready" : "/health/live");
                assertThat(ports).as("%s of %s", probe, runnable).contains(get.path("port").asText());
            }
            int port = container.at("/ports/0/containerPort").asInt();
            // a process without an API answers on the operations port; the others on their API's default port
            assertThat(port).isEqualTo(switch (Service.ofRunnable(runnable)) {
                case GATEWAY -> 3000;
                case QUERY -> 3002;
                default -> 3003;
            });
        }
        assertThat(deployed).containsExactlyInAnyOrderElementsOf(RUNNABLES);
    }

    @Test
    void composeRunsEveryServiceByItsRunnable() throws Exception {
        JsonNode compose = new YAMLMapper().readTree(Files.readString(ROOT.resolve("docker-compose.yml")));
        List<String> commands = new ArrayList<>();
        compose.path("services").forEach(service -> {
            if (service.has("command")) {
                commands.add(service.at("/command/0").asText());
            }
        });
        assertThat(commands).containsExactlyInAnyOrderElementsOf(RUNNABLES);
    }
}
