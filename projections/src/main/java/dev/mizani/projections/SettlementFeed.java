package dev.mizani.projections;

import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.eventstore.StoredEvent;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.settlement.SettlementEventEnvelope;
import dev.mizani.schemas.settlement.SettlementWindowClosed;
import dev.mizani.schemas.settlement.WindowNetPosition;
import dev.mizani.schemas.wire.EventWireCodec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settlement windows as an event-sourced stream: each close is a {@link SettlementWindowClosed} (every
 * participant's net position, and where the window ended on each transfers partition) appended to the event store,
 * stream {@code settlement-windows} whose version is the window id, in the transaction that closes the window in
 * the read store ({@link #record}); the event store's stream is then what a rebuild reads the windows' boundaries
 * from ({@link #boundaries}). Once committed, each close is put on {@code settlement.events} as stored, byte for
 * byte. A close not yet acknowledged by the broker (the hub stopped in between, or the broker was away) is
 * published again later, with the same event id: at least once, in window order. {@code settlement_window_closes}
 * keeps what was acknowledged.
 */
final class SettlementFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SettlementFeed.class);
    static final String STREAM = "settlement-windows";
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private final DataSource dataSource;
    private final EventWireCodec<SettlementEventEnvelope> codec;
    private final EventStore eventStore;
    private final KafkaProducer<String, byte[]> producer;
    private boolean due = true;
    private boolean backfilled;
    private int failures;

    SettlementFeed(DataSource dataSource, String bootstrap, CachedSchemaRegistry registry) {
        this.dataSource = dataSource;
        this.codec = new EventWireCodec<>(registry, HubTopics.SETTLEMENT_EVENTS, SettlementEventEnvelope.getClassSchema());
        this.eventStore = new EventStore(dataSource);
        Map<String, Object> config = KafkaClients.idempotentProducer(bootstrap, "settlement-feed");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis() / 2);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    /** A window was closed: publish at the next {@link #publishDue}. */
    void closed() {
        due = true;
    }

    /**
     * Appends window {@code windowId}'s close to the event store in the caller's transaction, which has just closed it
     * in the read store (so its net positions are final). A second close of the same window fails on the stream's
     * version, as any concurrent write of an event-sourced stream does.
     */
    void record(Connection c, long windowId, UUID[] boundaries) throws SQLException {
        SettlementEventEnvelope event = closeOf(c, windowId, boundaries);
        eventStore.append(c, List.of(new NewEvent(STREAM, windowId, SettlementWindowClosed.class.getSimpleName(),
                codec.encode(event), UUID.fromString(event.getMetadata().getEventId()),
                event.getMetadata().getCorrelationId(), event.getMetadata().getCausationId(),
                ((SettlementWindowClosed) event.getPayload()).getClosedAt())));
    }

    /**
     * Closes recorded before they were event-sourced (in {@code settlement_window_closes} only) go into the event store
     * too, once per start of the writing instance, so the stream holds every close.
     */
    void backfill(Connection c) throws SQLException {
        if (backfilled) {
            return;
        }
        List<Long> missing = new ArrayList<>();
        List<UUID[]> boundaries = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select k.window_id, k.boundary_commit_ids from "
                + "settlement_window_closes k where not exists (select 1 from events e where e.stream_id = ? "
                + "and e.version = k.window_id) order by k.window_id")) {
            ps.setString(1, STREAM);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.add(rs.getLong(1));
                    boundaries.add(SettlementWindows.uuids(rs.getArray(2)));
                }
            }
        }
        for (int i = 0; i < missing.size(); i++) {
            record(c, missing.get(i), boundaries.get(i));
        }
        if (!missing.isEmpty()) {
            log.info("{} settlement window closes recorded before the settlement-windows stream appended to it", missing.size());
        }
        backfilled = true;
    }

    /** Every close in the event store's {@code settlement-windows} stream, as a replay places commits by them. */
    WindowBoundaries boundaries() throws SQLException {
        List<WindowBoundaries.Close> closes = new ArrayList<>();
        for (StoredEvent stored : eventStore.readStream(STREAM)) {
            SettlementWindowClosed closed = (SettlementWindowClosed) codec.decode(stored.payload()).getPayload();
            UUID[] ends = closed.getBoundaryCommitIds().stream()
                    .map(id -> id == null ? null : UUID.fromString(id)).toArray(UUID[]::new);
            closes.add(new WindowBoundaries.Close(closed.getWindowId(), closed.getReason(), closed.getClosedAt(), ends));
        }
        return new WindowBoundaries(closes);
    }

    /**
     * Publishes every committed close the broker has not acknowledged, oldest first; a no-op unless a close happened
     * or an earlier attempt failed. A broker that does not answer is tried again at a later call; the read store's
     * loop is never stopped by it.
     */
    void publishDue() throws SQLException {
        if (!due) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            for (long windowId : unpublished(c)) {
                byte[] stored = stored(c, windowId);
                try {
                    producer.send(new ProducerRecord<>(HubTopics.SETTLEMENT_EVENTS, Long.toString(windowId), stored))
                            .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                    if (failures++ % 20 == 0) {
                        log.warn("settlement window {} closed but not yet on {} ({} attempts): {}", windowId,
                                HubTopics.SETTLEMENT_EVENTS, failures, e.toString());
                    }
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "update settlement_window_closes set published_at = now() where window_id = ?")) {
                    ps.setLong(1, windowId);
                    ps.executeUpdate();
                }
                failures = 0;
                log.info("settlement window {} published on {}", windowId, HubTopics.SETTLEMENT_EVENTS);
            }
            due = false;
        }
    }

    private static List<Long> unpublished(Connection c) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "select window_id from settlement_window_closes where published_at is null order by window_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** The stored bytes of window {@code windowId}'s close. */
    private static byte[] stored(Connection c, long windowId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select payload from events where stream_id = ? and version = ?")) {
            ps.setString(1, STREAM);
            ps.setLong(2, windowId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("settlement window " + windowId + " closed but its close is not in the event store");
                }
                return rs.getBytes(1);
            }
        }
    }

    /** The close as the read store holds it: its window's net positions are final once the close committed. */
    static SettlementEventEnvelope closeOf(Connection c, long windowId, UUID[] boundaries) throws SQLException {
        SettlementWindowClosed.Builder closed = SettlementWindowClosed.newBuilder().setWindowId(windowId)
                .setNextWindowId(windowId + 1).setBoundaryCommitIds(java.util.Arrays.stream(boundaries)
                        .map(id -> id == null ? null : id.toString()).toList());
        try (PreparedStatement ps = c.prepareStatement("select s.opened_at, k.closed_at, k.reason from "
                + "settlement_window_closes k left join " + ReadStore.LIVE + ".settlement_windows s "
                + "on s.window_id = k.window_id where k.window_id = ?")) {
            ps.setLong(1, windowId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("settlement window " + windowId + " has no close");
                }
                Timestamp opened = rs.getTimestamp(1);
                Timestamp closedAt = rs.getTimestamp(2);
                closed.setOpenedAt((opened == null ? closedAt : opened).toInstant()).setClosedAt(closedAt.toInstant())
                        .setReason(rs.getString(3));
            }
        }
        List<WindowNetPosition> positions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select participant, currency, net_minor, transfer_count from "
                + ReadStore.LIVE + ".window_positions where window_id = ? order by participant, currency")) {
            ps.setLong(1, windowId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    positions.add(new WindowNetPosition(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
                }
            }
        }
        SettlementWindowClosed event = closed.setNetPositions(positions).build();
        String cause = "close:" + windowId;
        EventMetadata metadata = new EventMetadata(
                UUID.nameUUIDFromBytes((STREAM + ":" + windowId).getBytes(StandardCharsets.UTF_8)).toString(),
                STREAM, windowId, "settlement-window-" + windowId, cause, event.getClosedAt());
        return new SettlementEventEnvelope(metadata, event);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
