package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.testing.Await;
import dev.mizani.schemas.HubTopics;
import dev.mizani.transfers.handler.ExpiryScheduler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Expiry schedulers of several hub processes on one database split the due timers: each timer is sent once, not
 * once per scheduler. Three schedulers here: the fixture's hub's own and two more.
 */
class ExpirySchedulersTest {
    private static final int TIMERS = 600;

    @Test
    void schedulersSharingTheTimersSendEachDueTimerOnce() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        try (HubFixture f = new HubFixture(ProcessorHooks.NONE);
             KafkaConsumer<String, byte[]> commands = new KafkaConsumer<>(KafkaClients.plainConsumer(f.infra.bootstrap(),
                     null), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            commands.partitionsFor(HubTopics.TRANSFERS_COMMANDS)
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            commands.assign(partitions);
            commands.seekToEnd(partitions);
            partitions.forEach(commands::position);

            List<ExpiryScheduler> more = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                more.add(new ExpiryScheduler(f.infra.dataSource, f.infra.bootstrap(), f.hub.transferCodec,
                        Clock.systemUTC(), Duration.ofMillis(20), Duration.ofMinutes(5), 50).start());
            }
            List<String> ids = new ArrayList<>();
            try (Connection c = f.infra.dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("insert into transfer_timers (transfer_id, expires_at) values (?, ?)")) {
                for (int i = 0; i < TIMERS; i++) {
                    String id = "timer-" + run + "-" + i;
                    ids.add(id);
                    ps.setString(1, id);
                    ps.setTimestamp(2, Timestamp.from(Instant.now().minusSeconds(1)));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            Map<String, Integer> sent = new HashMap<>();
            try {
                Await.until(HubFixture.BOUND, "every timer claimed", () -> unfired(f, run) == 0);
                long until = System.nanoTime() + 2_000_000_000L; // well short of the hub's 5 s refire
                while (System.nanoTime() < until) {
                    for (ConsumerRecord<String, byte[]> r : commands.poll(Duration.ofMillis(200))) {
                        if (r.key() != null && r.key().startsWith("timer-" + run + "-")) {
                            sent.merge(r.key(), 1, Integer::sum);
                        }
                    }
                }
            } finally {
                more.forEach(ExpiryScheduler::close);
                try (Connection c = f.infra.dataSource.getConnection();
                     PreparedStatement ps = c.prepareStatement("delete from transfer_timers where transfer_id like ?")) {
                    ps.setString(1, "timer-" + run + "-%");
                    ps.executeUpdate();
                }
            }
            assertThat(sent.keySet()).as("timers sent").containsExactlyInAnyOrderElementsOf(ids);
            assertThat(sent.values()).as("times each timer was sent").containsOnly(1);
        }
    }

    private static long unfired(HubFixture f, String run) {
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from transfer_timers where transfer_id like ? "
                     + "and fired_at is null")) {
            ps.setString(1, "timer-" + run + "-%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
