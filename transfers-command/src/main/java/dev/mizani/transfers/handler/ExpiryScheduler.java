package dev.mizani.transfers.handler;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.transfers.domain.TransferCommand;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires expiry: every {@code tick}, the due end of {@code transfer_timers} (by hub time) becomes
 * ExpireTransfer commands, at most {@code batchMax} per tick. The decider judges expiry itself, and the
 * timer row leaves with the terminal event, so a timer fired early or twice does no harm; a timer whose
 * command got no answer fires again after {@code refireAfter}. Any number of schedulers (one per hub process) share
 * the table: each claims the due timers it sends, so they split the work instead of each sending all of it.
 */
public final class ExpiryScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiryScheduler.class);

    private final DataSource dataSource;
    private final TransferCodec codec;
    private final Clock clock;
    private final Duration tick;
    private final Duration refireAfter;
    private final int batchMax;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private volatile boolean running = true;

    public ExpiryScheduler(DataSource dataSource, String bootstrap, TransferCodec codec, Clock clock, Duration tick,
                           Duration refireAfter, int batchMax) {
        this.dataSource = dataSource;
        this.codec = codec;
        this.clock = clock;
        this.tick = tick;
        this.refireAfter = refireAfter;
        this.batchMax = batchMax;
        this.producer = new KafkaProducer<>(KafkaClients.idempotentProducer(bootstrap, "expiry-scheduler"));
        this.thread = new Thread(this::run, "expiry-scheduler");
    }

    public ExpiryScheduler start() {
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void run() {
        while (running) {
            try {
                int due = fireDue();
                if (due < batchMax) {
                    TimeUnit.MILLISECONDS.sleep(tick.toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                log.warn("expiry tick failed, retrying next tick: {}", e.toString());
                sleepQuietly();
            }
        }
    }

    private int fireDue() throws SQLException {
        Instant now = clock.instant();
        List<String> due = new ArrayList<>();
        // Claimed before they are sent: schedulers of several hub processes skip each other's rows (skip locked) and
        // then see them fired, so each due timer is sent once. One that dies between claim and send leaves its
        // timers to fire again after refireAfter, by whichever scheduler comes first.
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     update transfer_timers set fired_at = ? where transfer_id in (
                         select transfer_id from transfer_timers
                          where expires_at <= ? and (fired_at is null or fired_at < ?)
                          order by expires_at limit ? for update skip locked)
                     returning transfer_id""")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now.minus(refireAfter)));
            ps.setInt(4, batchMax);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(rs.getString(1));
                }
            }
        }
        for (String id : due) {
            producer.send(new ProducerRecord<>(HubTopics.TRANSFERS_COMMANDS, id,
                    codec.encodeCommand("expire:" + id, id, now, new TransferCommand.ExpireTransfer(id, now))));
        }
        producer.flush();
        return due.size();
    }

    private void sleepQuietly() {
        try {
            TimeUnit.MILLISECONDS.sleep(tick.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
