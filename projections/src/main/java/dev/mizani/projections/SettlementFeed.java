package dev.mizani.projections;

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
 * Puts each closed settlement window on {@code settlement.events}: a {@link SettlementWindowClosed} with every
 * participant's net position, once the close is committed. A close not yet acknowledged by the broker (the hub
 * stopped in between, or the broker was away) is published again later, with the same event id: at least once,
 * in window order. The events form one stream, {@code settlement-windows}, whose version is the window id.
 */
final class SettlementFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SettlementFeed.class);
    static final String STREAM = "settlement-windows";
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private final DataSource dataSource;
    private final EventWireCodec<SettlementEventEnvelope> codec;
    private final KafkaProducer<String, byte[]> producer;
    private boolean due = true;
    private int failures;

    SettlementFeed(DataSource dataSource, String bootstrap, CachedSchemaRegistry registry) {
        this.dataSource = dataSource;
        this.codec = new EventWireCodec<>(registry, HubTopics.SETTLEMENT_EVENTS, SettlementEventEnvelope.getClassSchema());
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
                SettlementEventEnvelope event = closeOf(c, windowId);
                try {
                    producer.send(new ProducerRecord<>(HubTopics.SETTLEMENT_EVENTS, Long.toString(windowId),
                            codec.encode(event))).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
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

    /** The close as the read store holds it: its window's net positions are final once the close committed. */
    static SettlementEventEnvelope closeOf(Connection c, long windowId) throws SQLException {
        SettlementWindowClosed.Builder closed = SettlementWindowClosed.newBuilder().setWindowId(windowId)
                .setNextWindowId(windowId + 1);
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
