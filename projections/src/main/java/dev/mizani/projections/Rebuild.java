package dev.mizani.projections;

import dev.mizani.schemas.registry.RegistryUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the read store from the event store, online:
 * <ol>
 *   <li>a fresh table set ({@link ReadStore#NEXT}) is migrated, and the live set's Kafka positions noted;</li>
 *   <li>every event of the store is replayed into it in order of global position, a page per transaction,
 *       commits put into settlement windows by the recorded close boundaries;</li>
 *   <li>it takes the noted positions, and, between two polls of the live handler, reads Kafka from there to
 *       exactly where the live set is. Events both replayed and read again are recognised by their stream
 *       version. Every event published before the positions were noted was in the store before the replay
 *       began (events are stored, then published), and every later one is read from Kafka;</li>
 *   <li>then the two sets have applied the same events: the new set is compared with the live one
 *       ({@link ReadStoreComparison}) and, if asked, renamed into its place, still between the same two polls.</li>
 * </ol>
 * Settlement window closes wait while a rebuild runs.
 */
public final class Rebuild {
    private static final Logger log = LoggerFactory.getLogger(Rebuild.class);
    private static final int PAGE = 20_000;

    /** @param differences rows that differ between the rebuilt and the live set, per table (empty: equal) */
    public record Report(long eventsReplayed, long replayMillis, long caughtUp, Map<String, Long> differences,
                         boolean swapped) {
        public double eventsPerSecond() {
            return replayMillis == 0 ? 0 : eventsReplayed * 1000.0 / replayMillis;
        }
    }

    private final DataSource dataSource;
    private final ProjectionHandler handler;

    public Rebuild(DataSource dataSource, ProjectionHandler handler) {
        this.dataSource = dataSource;
        this.handler = handler;
    }

    /** @param swap put the rebuilt set in place of the live one when it equals it */
    public Report run(boolean swap) throws Exception {
        if (!handler.startRebuild()) {
            throw new IllegalStateException("a rebuild is already running");
        }
        try {
            return rebuild(swap);
        } finally {
            handler.endRebuild();
        }
    }

    private Report rebuild(boolean swap) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            ReadStore.drop(c, ReadStore.NEXT);
        }
        ReadStore.migrate(dataSource, ReadStore.NEXT);
        ReadModel next = new ReadModel(ReadStore.NEXT);
        Map<TopicPartition, Long> noted;
        WindowBoundaries boundaries;
        try (Connection c = dataSource.getConnection()) {
            noted = ProjectionHandler.storedOffsets(c, ReadStore.LIVE);
            boundaries = handler.windowBoundaries();
            prepareWindows(c, boundaries);
        }
        long start = System.nanoTime();
        long replayed = replay(next, boundaries);
        long replayMillis = (System.nanoTime() - start) / 1_000_000;
        log.info("rebuild replayed {} events in {} ms ({} events/s); catching up from Kafka", replayed, replayMillis,
                replayMillis == 0 ? replayed : replayed * 1000 / replayMillis);
        try (Connection c = dataSource.getConnection()) {
            ProjectionHandler.storeOffsets(c, ReadStore.NEXT, noted);
        }
        Report report;
        try {
            report = handler.betweenPolls(() -> catchUpAndCompare(next, replayed, replayMillis, swap))
                    .get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new IllegalStateException("the live projection handler did not take the rebuild's last step", e);
        }
        log.info("rebuild done: {}", report);
        return report;
    }

    /** Windows as the recorded closes left them; each partition starts in the window its first commit fell into. */
    private void prepareWindows(Connection c, WindowBoundaries boundaries) throws SQLException {
        c.setAutoCommit(false);
        SettlementWindows.dateFirstWindow(c, ReadStore.NEXT);
        for (WindowBoundaries.Close close : boundaries.closes()) {
            SettlementWindows.applyClose(c, ReadStore.NEXT, close.windowId(), close.reason(), close.closedAt());
        }
        try (PreparedStatement ps = c.prepareStatement("insert into read_next.partition_windows (partition, window_id) "
                + "values (?, ?)")) {
            for (int p = 0; p < handler.transferPartitions(); p++) {
                ps.setInt(1, p);
                ps.setLong(2, boundaries.initialWindow(p));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        c.commit();
    }

    private long replay(ReadModel next, WindowBoundaries boundaries) throws SQLException {
        long after = 0;
        long replayed = 0;
        long nextProgressNs = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<ReadModel.Event> page = new ArrayList<>(PAGE);
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("select global_position, stream_id, payload from events "
                        + "where global_position > ? and (stream_id like 'transfer-%' or stream_id like 'participant-%') "
                        + "order by global_position limit ?")) {
                    ps.setLong(1, after);
                    ps.setInt(2, PAGE);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            after = rs.getLong(1);
                            page.add(handler.decoder.decodeStored(rs.getString(2), rs.getBytes(3)));
                        }
                    }
                }
                if (page.isEmpty()) {
                    return replayed;
                }
                next.apply(c, page, boundaries);
                c.commit();
            }
            replayed += page.size();
            if (System.nanoTime() > nextProgressNs) {
                log.info("rebuild: {} events replayed, through global position {}", replayed, after);
                nextProgressNs = System.nanoTime() + 5_000_000_000L;
            }
        }
    }

    /** On the live handler's thread: reads Kafka into the new set up to the live set's positions, compares, swaps. */
    private Report catchUpAndCompare(ReadModel next, long replayed, long replayMillis, boolean swap) throws Exception {
        Map<TopicPartition, Long> target;
        Map<TopicPartition, Long> from;
        try (Connection c = dataSource.getConnection()) {
            target = ProjectionHandler.storedOffsets(c, ReadStore.LIVE);
            from = ProjectionHandler.storedOffsets(c, ReadStore.NEXT);
        }
        long caughtUp = 0;
        try (KafkaConsumer<String, byte[]> consumer = handler.newCatchUpConsumer()) {
            Map<TopicPartition, Long> position = new HashMap<>();
            List<TopicPartition> behind = new ArrayList<>();
            for (TopicPartition tp : handler.partitions()) {
                long at = from.getOrDefault(tp, 0L);
                if (at < target.getOrDefault(tp, 0L)) {
                    behind.add(tp);
                    position.put(tp, at);
                }
            }
            consumer.assign(behind);
            behind.forEach(tp -> consumer.seek(tp, position.get(tp)));
            Set<TopicPartition> open = new HashSet<>(behind);
            while (!open.isEmpty()) {
                List<ReadModel.Event> events = new ArrayList<>();
                Map<TopicPartition, Long> nextOffsets = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= target.get(tp)) {
                        continue;
                    }
                    nextOffsets.put(tp, r.offset() + 1);
                    try {
                        events.add(handler.decoder.decode(r.topic(), r.partition(), r.value()));
                    } catch (RegistryUnavailableException e) {
                        throw e; // a rebuild that skipped it would differ from the live store: it fails and says why
                    } catch (RuntimeException e) {
                        // the live handler dead-lettered it already
                    }
                }
                if (!nextOffsets.isEmpty()) {
                    try (Connection c = dataSource.getConnection()) {
                        c.setAutoCommit(false);
                        next.apply(c, events, null);
                        ProjectionHandler.storeOffsets(c, ReadStore.NEXT, nextOffsets);
                        c.commit();
                    }
                    caughtUp += events.size();
                }
                for (TopicPartition tp : Set.copyOf(open)) {
                    if (consumer.position(tp) >= target.get(tp)) {
                        open.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
            }
        }
        Map<String, Long> differences;
        try (Connection c = dataSource.getConnection()) {
            differences = ReadStoreComparison.differences(c, ReadStore.LIVE, ReadStore.NEXT);
        }
        boolean swapped = false;
        if (swap && differences.isEmpty()) {
            swapIn();
            swapped = true;
        } else if (swap) {
            log.error("rebuilt read store differs from the live one, not swapped: {}", differences);
        }
        return new Report(replayed, replayMillis, caughtUp, differences, swapped);
    }

    /** Renames the rebuilt set into place; statements name tables by schema, so they find the new ones. */
    private void swapIn() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("alter schema " + ReadStore.LIVE + " rename to read_old");
            s.execute("alter schema " + ReadStore.NEXT + " rename to " + ReadStore.LIVE);
            s.execute("drop schema read_old cascade");
            c.commit();
        }
        handler.reseek();
    }
}
