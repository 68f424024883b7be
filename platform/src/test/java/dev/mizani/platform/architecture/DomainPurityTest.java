package dev.mizani.platform.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Ports and adapters, enforced by the build: every {@code domain} package of every module is pure. It
 * imports nothing from Kafka, JDBC, Avro, HTTP, JSON or the hub's adapters, and reads no clock and no
 * randomness (hub time and ids arrive inside commands). In the spirit of Kafka's import-control.xml.
 */
class DomainPurityTest {
    private static final List<String> FORBIDDEN_IMPORTS = List.of(
            "org.apache.kafka", "java.sql", "javax.sql", "org.apache.avro", "java.net", "com.fasterxml.jackson",
            "com.zaxxer", "org.flywaydb", "io.helidon", "io.vertx", "org.postgresql",
            "dev.mizani.schemas", "dev.mizani.platform.commandloop", "dev.mizani.platform.eventstore",
            "dev.mizani.platform.kafka", "dev.mizani.embedded");
    private static final Pattern AMBIENT = Pattern.compile(
            "Instant\\.now\\(|System\\.currentTimeMillis\\(|System\\.nanoTime\\(|UUID\\.randomUUID\\(|"
                    + "LocalDateTime\\.now\\(|new Random\\(|ThreadLocalRandom|Clock\\.system");

    @Test
    void domainPackagesImportNoAdapterAndReadNoClockOrRandomness() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> domainSources = domainSources(root);
        assertThat(domainSources).as("domain sources found under %s", root).isNotEmpty();

        List<String> violations = new ArrayList<>();
        for (Path source : domainSources) {
            List<String> lines = Files.readAllLines(source);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                int n = i + 1;
                if (line.startsWith("import ")) {
                    FORBIDDEN_IMPORTS.stream().filter(f -> line.matches("import (static )?" + Pattern.quote(f) + "[.;].*"))
                            .forEach(f -> violations.add(root.relativize(source) + ":" + n + " imports " + f));
                }
                if (AMBIENT.matcher(line).find() && !line.startsWith("//") && !line.startsWith("*")) {
                    violations.add(root.relativize(source) + ":" + n + " reads time or randomness: " + line);
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void theCheckCatchesAnAdapterImport() {
        String line = "import org.apache.kafka.clients.consumer.KafkaConsumer;";
        assertThat(FORBIDDEN_IMPORTS).anyMatch(f -> line.matches("import (static )?" + Pattern.quote(f) + "[.;].*"));
        assertThat(AMBIENT.matcher("return Instant.now();").find()).isTrue();
    }

    private static List<Path> domainSources(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> p.toString().contains("/domain/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .toList();
        }
    }
}
