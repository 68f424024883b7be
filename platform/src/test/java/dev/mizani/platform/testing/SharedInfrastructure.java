package dev.mizani.platform.testing;

import com.zaxxer.hikari.HikariDataSource;
import dev.mizani.embedded.Infrastructure;
import dev.mizani.embedded.InfrastructureSettings;
import dev.mizani.platform.eventstore.Database;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One real broker, one real PostgreSQL and one real registry per test JVM, started on first use in a
 * temporary directory on free loopback ports, migrated, and stopped when the JVM exits. Tests isolate
 * themselves by topic, processor and stream names, never by starting their own infrastructure.
 */
public final class SharedInfrastructure {
    private static SharedInfrastructure instance;

    public final Infrastructure infrastructure;
    public final HikariDataSource dataSource;
    public final EventStore eventStore;
    public final CachedSchemaRegistry registry;

    private SharedInfrastructure(Path dir) {
        infrastructure = Infrastructure.start(InfrastructureSettings.embeddedOnFreePorts(dir));
        dataSource = Database.connect(infrastructure.jdbcUrl(), infrastructure.dbUser(), infrastructure.dbPassword(), 16);
        Database.migrate(dataSource);
        eventStore = new EventStore(dataSource);
        registry = new CachedSchemaRegistry(new SchemaRegistryClient(infrastructure.registryUrl(), Duration.ofSeconds(10)));
    }

    public static synchronized SharedInfrastructure get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("mizani-test-");
                instance = new SharedInfrastructure(dir);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    instance.dataSource.close();
                    instance.infrastructure.close();
                    TempDirs.deleteQuietly(dir);
                }, "shared-infrastructure-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    public String bootstrap() {
        return infrastructure.kafkaBootstrap();
    }
}
