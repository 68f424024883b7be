package dev.mizani.platform.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.mizani.platform.testing.SharedInfrastructure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A store written by a build before V8, upgraded: every derived command an older build applied is still recognised
 * (by its events' causation, or by a pack's key under its position or under none), every command derived from an
 * event stored after the upgrade by its one key, and the causation index stays an index lookup. On a database of its
 * own in the shared PostgreSQL, migrated to V7 first.
 */
class DerivedCommandKeysUpgradeTest {
    private static final String STREAM = "participant-upgrade";
    private final SharedInfrastructure infra = SharedInfrastructure.get();
    private final String database = "upgrade_" + UUID.randomUUID().toString().replace("-", "");
    private HikariDataSource dataSource;

    @BeforeEach
    void aStoreAtV7() throws Exception {
        try (Connection c = infra.dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("create database " + database);
        }
        String url = infra.infrastructure.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");
        dataSource = Database.connect(url, infra.infrastructure.dbUser(), infra.infrastructure.dbPassword(), 2);
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").table("flyway_schema_history")
                .target("7").load().migrate();
        try (Connection c = dataSource.getConnection()) {
            // 3,000 events as a build before V8 wrote them, every hundredth caused by a derived command
            try (PreparedStatement ps = c.prepareStatement("insert into events (stream_id, version, event_type, schema_id,"
                    + " payload, event_id, correlation_id, causation_id, recorded_at)"
                    + " select ?, v, 'Fact', 1, '\\x0000000001'::bytea, gen_random_uuid(), 'corr',"
                    + " case when v % 100 = 0 then 'reserve:t' || v else 'client-' || v end, now()"
                    + " from generate_series(1, 3000) v")) {
                ps.setString(1, STREAM);
                ps.execute();
            }
            // and a pack at version 3,000 naming two commands, one derived from the event at 40, one from a record
            // that named no position
            try (Statement st = c.createStatement()) {
                st.execute("insert into packed_commands (source_position, command_id, stream_id, version) values"
                        + " (40, 'reserve:p40', '" + STREAM + "', 3000), (-1, 'reserve:p-none', '" + STREAM + "', 3000)");
                st.execute("analyze events");
            }
        }
        Database.migrate(dataSource);
    }

    @AfterEach
    void dropIt() throws Exception {
        dataSource.close();
        try (Connection c = infra.dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("drop database " + database);
        }
    }

    @Test
    void everyCommandAppliedBeforeTheUpgradeIsStillFoundAndNewOnesByTheirKey() throws Exception {
        EventStore store = new EventStore(dataSource);
        try (Connection c = dataSource.getConnection()) {
            long keyedFrom = store.keyedFrom(c);
            assertThat(keyedFrom).as("the first position after the old events").isEqualTo(3001);

            c.setAutoCommit(false);
            long[] at = store.append(c, List.of(new NewEvent(STREAM, 3001, "Fact", new byte[] {0, 0, 0, 0, 1}, UUID.randomUUID(),
                    "corr", "reserve:n1", Instant.now(), List.of(new NewEvent.DerivedCommand("reserve:n1", 3005)))));
            c.commit();
            assertThat(at[0]).isGreaterThanOrEqualTo(keyedFrom);

            Map<String, List<StoredEvent>> found = store.causedBy(c,
                    List.of(STREAM, STREAM, STREAM, STREAM, STREAM, STREAM, STREAM),
                    List.of("reserve:t300", "reserve:t700", "reserve:p40", "reserve:p-none", "reserve:n1", "reserve:t301",
                            "reserve:n2"),
                    // t300 from a record without a position; t700 and p-none on a republished record that names one;
                    // n1 derived after the upgrade; t301 and n2 never applied
                    List.of(-1L, 699L, 40L, 555L, 3005L, -1L, 3006L));
            assertThat(found).containsOnlyKeys(key("reserve:t300"), key("reserve:t700"), key("reserve:p40"),
                    key("reserve:p-none"), key("reserve:n1"));
            assertThat(found.get(key("reserve:t300"))).extracting(StoredEvent::version).containsExactly(300L);
            assertThat(found.get(key("reserve:p40"))).extracting(StoredEvent::version).containsExactly(3000L);
            assertThat(found.get(key("reserve:n1"))).extracting(StoredEvent::version).containsExactly(3001L);
        }
    }

    /**
     * The old events are found through their causation's index, a lookup per pair, not a scan of the stream: a hot
     * participant's stream holds a large share of all events, and scanning it per pair collapsed the participants
     * handler under load once. Checked on the plan, with enough rows that a scan is the costlier one.
     */
    @Test
    void theOldEventsAreFoundThroughThePartialIndexNotAScan() throws Exception {
        EventStore store = new EventStore(dataSource);
        try (Connection c = dataSource.getConnection()) {
            var ps = c.prepareStatement("explain " + EventStore.causedByQuery(store.keyedFrom(c)));
            ps.setArray(1, c.createArrayOf("text", new String[] {STREAM, STREAM}));
            ps.setArray(2, c.createArrayOf("text", new String[] {"reserve:t300", "reserve:t7"}));
            ps.setArray(3, c.createArrayOf("bigint", new Long[] {-1L, 17L}));
            ps.setArray(4, c.createArrayOf("text", new String[] {STREAM, STREAM}));
            ps.setArray(5, c.createArrayOf("text", new String[] {"reserve:t300", "reserve:t7"}));
            StringBuilder plan = new StringBuilder();
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            assertThat(plan.toString()).contains("events_derived_causation").doesNotContain("Seq Scan on events");
            try (var rs = c.createStatement().executeQuery(
                    "select indexdef from pg_indexes where indexname = 'events_derived_causation'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).as("new events take no entry").contains("global_position < 3001");
            }
        }
    }

    /** Like the events (V6), the keys are analysed when their table has doubled, not at every tenth of new rows. */
    @Test
    void theKeysAreAnalysedWhenTheirTableHasDoubled() throws Exception {
        try (Connection c = dataSource.getConnection(); var rs = c.createStatement().executeQuery(
                "select reloptions from pg_class where relname in ('events', 'derived_commands') order by relname")) {
            List<String> options = new java.util.ArrayList<>();
            while (rs.next()) {
                options.add(rs.getString(1));
            }
            assertThat(options).hasSize(2).allSatisfy(o -> assertThat(o).contains("autovacuum_analyze_scale_factor=1.0"));
        }
    }

    private static String key(String command) {
        return EventStore.commandKey(STREAM, command);
    }
}
