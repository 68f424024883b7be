package dev.mizani.platform.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.mizani.platform.commandloop.AggregateCodec;
import dev.mizani.platform.probe.ProbeTally;
import dev.mizani.platform.probe.ProbeTallyCodec;
import dev.mizani.platform.testing.SharedInfrastructure;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The external-database path: migrations and the event store against a stock PostgreSQL image, as a
 * production deployment would run them. Needs a Docker engine; without one JUnit reports it skipped
 * ("disabledWithoutDocker"), and the embedded PostgreSQL tests cover the same code.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerPostgresEventStoreTest {
    @Container
    private static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer("postgres:17");

    @Test
    void migratesAndAppendsOnAStockPostgresImage() throws Exception {
        try (HikariDataSource ds = Database.connect(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(),
                POSTGRES.getPassword(), 2)) {
            Database.migrate(ds);
            EventStore store = new EventStore(ds);
            ProbeTallyCodec codec = new ProbeTallyCodec(SharedInfrastructure.get().registry, "container.commands",
                    "container.events");
            String stream = "tally-" + UUID.randomUUID();
            var stamp = new AggregateCodec.EventStamp(UUID.randomUUID(), stream, 1, "c", null, Instant.EPOCH);
            store.append(stream, 0, List.of(new NewEvent(stream, 1, "TallyAdded",
                    codec.encodeEvent(new ProbeTally.Added(5, 5), stamp), stamp.eventId(), "c", null, Instant.EPOCH)));
            assertThat(store.load(List.of(stream)).get(stream).version()).isEqualTo(1);
        }
    }
}
