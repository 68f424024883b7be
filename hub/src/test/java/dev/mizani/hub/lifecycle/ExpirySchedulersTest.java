package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.testing.Await;
import dev.mizani.schemas.HubTopics;
import dev.mizani.transfers.handler.ExpiryScheduler;
import java.sql.Array;
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
 * Expiry timers are rows per command batch, and a due transfer is expired only if its stream holds no terminal event.
 * Schedulers of several hub processes on one database split the due rows: each timer is sent once, not once per
 * scheduler. Three schedulers here: the fixture's hub's own and two more.
 */
class ExpirySchedulersTest {
    private static final int TIMERS = 600;
    private static final int PER_ROW = 50;

    @Test
    void schedulersSharingTheTimersSendEachDueTimerOnce() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        try (HubFixture f = new HubFixture(ProcessorHooks.NONE);
             KafkaConsumer<String, byte[]> commands = commandsFromNow(f)) {
            List<ExpiryScheduler> more = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                more.add(new ExpiryScheduler(f.infra.dataSource, f.infra.bootstrap(), f.hub.transferCodec,
                        Clock.systemUTC(), Duration.ofMillis(20), Duration.ofMinutes(5), 3).start());
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < TIMERS; i++) {
                ids.add("timer-" + run + "-" + i);
            }
            for (int i = 0; i < TIMERS; i += PER_ROW) {
                insertRow(f, ids.subList(i, i + PER_ROW), Instant.now().minusSeconds(1));
            }
            Map<String, Integer> sent = new HashMap<>();
            try {
                Await.until(HubFixture.BOUND, "every row claimed", () -> dueRows(f, run) == 0);
                sent = sentFor(commands, "timer-" + run + "-", Duration.ofSeconds(2)); // well short of the 5 s refire
            } finally {
                more.forEach(ExpiryScheduler::close);
                deleteRows(f, run);
            }
            assertThat(sent.keySet()).as("timers sent").containsExactlyInAnyOrderElementsOf(ids);
            assertThat(sent.values()).as("times each timer was sent").containsOnly(1);
        }
    }

    @Test
    void aDueTransferThatEndedIsNotExpiredAndItsRowGoesWhenNothingInItIsLive() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        String ended;
        String live = "timer-" + run + "-live";
        String later = "timer-" + run + "-later";
        try (HubFixture f = new HubFixture(ProcessorHooks.NONE)) {
            // a transfer that really committed, through the hub: its stream holds TransferCommitted
            String payer = "timer-payer-" + run;
            String payee = "timer-payee-" + run;
            f.onboard(payer, 100_000_000, 100_000_000);
            f.onboard(payee, 100_000_000, 100_000_000);
            f.awaitDirectoryKnows(payer, payee);
            HubFixture.Prepared p = f.commitOne(payer, payee, "1", Duration.ofMinutes(5));
            ended = p.id();
            deleteRows(f, List.of(ended)); // the hub's own timer row for it, due in five minutes
            // this process's handler ended it, so its scheduler knows without asking the store
            expiresOnlyTheLiveOne(f, "timer-" + run + "-known", ended);
        }
        try (HubFixture f = new HubFixture(ProcessorHooks.NONE)) {
            // a new process remembers nothing: its scheduler must find the terminal event in the store
            expiresOnlyTheLiveOne(f, live, ended);
            try {
                // a row of ended transfers only is deleted when it comes due; one not yet due is left alone
                insertRow(f, List.of(ended), Instant.now().minusSeconds(1));
                insertRow(f, List.of(later), Instant.now().plusSeconds(600));
                Await.until(HubFixture.BOUND, "the row of ended transfers deleted",
                        () -> rowIds(f, List.of(ended, later)).size() == 1);
                assertThat(rowIds(f, List.of(ended, later))).containsExactly(List.of(later));
            } finally {
                deleteRows(f, List.of(live, ended, later));
            }
        }
    }

    /** A due row of a live (unknown) transfer and an ended one: only the live one is expired, and the row keeps it. */
    private static void expiresOnlyTheLiveOne(HubFixture f, String live, String ended) throws Exception {
        try (KafkaConsumer<String, byte[]> commands = commandsFromNow(f)) { // after the ended transfer's own commands
            insertRow(f, List.of(live, ended), Instant.now().minusSeconds(1));
            Map<String, Integer> sent = sentFor(commands, "", Duration.ofSeconds(3));
            assertThat(sent).as("expired: the live transfer, not the committed one").containsKey(live)
                    .doesNotContainKey(ended);
            assertThat(rowIds(f, List.of(live, ended))).as("the row keeps the live transfer, due again later")
                    .containsExactly(List.of(live));
        } finally {
            deleteRows(f, List.of(live, ended));
        }
    }

    private static KafkaConsumer<String, byte[]> commandsFromNow(HubFixture f) {
        KafkaConsumer<String, byte[]> commands = new KafkaConsumer<>(KafkaClients.plainConsumer(f.infra.bootstrap(),
                null), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        commands.partitionsFor(HubTopics.TRANSFERS_COMMANDS)
                .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        commands.assign(partitions);
        commands.seekToEnd(partitions);
        partitions.forEach(commands::position);
        return commands;
    }

    private static Map<String, Integer> sentFor(KafkaConsumer<String, byte[]> commands, String keyPrefix, Duration window) {
        Map<String, Integer> sent = new HashMap<>();
        long until = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < until) {
            for (ConsumerRecord<String, byte[]> r : commands.poll(Duration.ofMillis(200))) {
                if (r.key() != null && r.key().startsWith(keyPrefix)) {
                    sent.merge(r.key(), 1, Integer::sum);
                }
            }
        }
        return sent;
    }

    private static void insertRow(HubFixture f, List<String> ids, Instant expiration) throws SQLException {
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "insert into transfer_timer_batches (due_at, transfer_ids, expirations) values (?, ?, ?)")) {
            ps.setTimestamp(1, Timestamp.from(expiration));
            ps.setArray(2, c.createArrayOf("text", ids.toArray()));
            ps.setArray(3, c.createArrayOf("timestamptz", ids.stream().map(id -> Timestamp.from(expiration)).toArray()));
            ps.executeUpdate();
        }
    }

    /** This run's rows still due, which no scheduler has claimed. */
    private static long dueRows(HubFixture f, String run) {
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from transfer_timer_batches "
                     + "where transfer_ids[1] like ? and due_at <= now()")) {
            ps.setString(1, "timer-" + run + "-%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The transfer ids of the rows holding any of {@code ids}, a list per row. */
    private static List<List<String>> rowIds(HubFixture f, List<String> ids) {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select transfer_ids from transfer_timer_batches "
                     + "where transfer_ids && ? order by id")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array row = rs.getArray(1);
                    rows.add(List.of((String[]) row.getArray()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    private static void deleteRows(HubFixture f, List<String> ids) throws SQLException {
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from transfer_timer_batches where transfer_ids && ?")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            ps.executeUpdate();
        }
    }

    private static void deleteRows(HubFixture f, String run) throws SQLException {
        try (Connection c = f.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from transfer_timer_batches where transfer_ids[1] like ?")) {
            ps.setString(1, "timer-" + run + "-%");
            ps.executeUpdate();
        }
    }
}
