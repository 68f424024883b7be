package dev.mizani.transfers.handler;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import dev.mizani.transfers.domain.TransferCommand;
import dev.mizani.transfers.domain.TransferEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires expiry: every {@code tick}, the due rows of {@code transfer_timer_batches} (by hub time), at most
 * {@code batchMax} of them, are claimed; of the transfers in them whose expiration has passed, those without a
 * terminal event (known to this process's handler, or else found in the event store) are sent ExpireTransfer, and each row keeps only the transfers that have not
 * ended, due again at its next expiration (or after {@code refireAfter} for one just expired, whose command may get
 * no answer). A row whose transfers have all ended is deleted. The decider judges expiry itself, so a timer fired
 * early or twice does no harm. Any number of schedulers (one per hub process) share the table: each claims the rows
 * it looks at, so they split the work instead of each sending all of it.
 */
public final class ExpiryScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiryScheduler.class);

    private final DataSource dataSource;
    private final TransferCodec codec;
    private final Clock clock;
    private final Duration tick;
    private final Duration refireAfter;
    private final int batchMax;
    private final EndedTransfers endedHere;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private volatile boolean running = true;

    public ExpiryScheduler(DataSource dataSource, String bootstrap, TransferCodec codec, Clock clock, Duration tick,
                           Duration refireAfter, int batchMax) {
        this(dataSource, bootstrap, codec, clock, tick, refireAfter, batchMax, new EndedTransfers(0));
    }

    /** @param endedHere what this process's transfers handler has ended, so as not to ask the store about those */
    public ExpiryScheduler(DataSource dataSource, String bootstrap, TransferCodec codec, Clock clock, Duration tick,
                           Duration refireAfter, int batchMax, EndedTransfers endedHere) {
        this.endedHere = endedHere;
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

    private record TimerRow(long id, String[] transferIds, Timestamp[] expirations) {}

    /** The terminal events: a transfer with one of them is never expired. */
    private static final String[] TERMINAL = {TransferEvent.TransferCommitted.class.getSimpleName(),
            TransferEvent.TransferAborted.class.getSimpleName(), TransferEvent.TransferExpired.class.getSimpleName()};

    /** Returns the number of rows claimed. */
    private int fireDue() throws SQLException {
        Instant now = clock.instant();
        Timestamp refireAt = Timestamp.from(now.plus(refireAfter));
        try (Connection c = dataSource.getConnection()) {
            // Claimed before anything is sent, by moving the row's due time past the refire delay: schedulers of
            // several hub processes skip each other's rows (skip locked) and then see them not due, so each due timer
            // is sent once. One that dies between claim and send leaves its rows to be looked at again after
            // refireAfter, by whichever scheduler comes first.
            List<TimerRow> claimed = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    update transfer_timer_batches set due_at = ? where id in (
                        select id from transfer_timer_batches where due_at <= ?
                         order by due_at limit ? for update skip locked)
                    returning id, transfer_ids, expirations""")) {
                ps.setTimestamp(1, refireAt);
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setInt(3, batchMax);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(new TimerRow(rs.getLong(1), (String[]) rs.getArray(2).getArray(),
                                (Timestamp[]) rs.getArray(3).getArray()));
                    }
                }
            }
            if (claimed.isEmpty()) {
                return 0;
            }
            Timestamp nowTs = Timestamp.from(now);
            List<String> expired = new ArrayList<>();
            for (TimerRow row : claimed) {
                for (int i = 0; i < row.transferIds().length; i++) {
                    if (!row.expirations()[i].after(nowTs)) {
                        expired.add(row.transferIds()[i]);
                    }
                }
            }
            Set<String> ended = ended(c, expired);
            for (String id : expired) {
                if (!ended.contains(id)) {
                    producer.send(new ProducerRecord<>(HubTopics.TRANSFERS_COMMANDS, id, codec.encodeCommand(
                            "expire:" + id, id, now, new TransferCommand.ExpireTransfer(id, now))));
                }
            }
            producer.flush();
            keepWhatHasNotEnded(c, claimed, ended, nowTs, refireAt);
            return claimed.size();
        }
    }

    /** Which of {@code transferIds} have ended: known to this process's handler, or a terminal event in the store. */
    private Set<String> ended(Connection c, List<String> transferIds) throws SQLException {
        Set<String> ended = new HashSet<>();
        List<String> ask = new ArrayList<>();
        for (String id : transferIds) {
            if (endedHere.take(id)) {
                ended.add(id);
            } else {
                ask.add(id);
            }
        }
        if (ask.isEmpty()) {
            return ended;
        }
        String prefix = codec.streamPrefix() + "-";
        try (PreparedStatement ps = c.prepareStatement(
                "select distinct stream_id from events where stream_id = any(?) and event_type = any(?)")) {
            ps.setArray(1, c.createArrayOf("text", ask.stream().map(id -> prefix + id).toArray()));
            ps.setArray(2, c.createArrayOf("text", TERMINAL));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ended.add(rs.getString(1).substring(prefix.length()));
                }
            }
        }
        return ended;
    }

    /**
     * Each claimed row keeps the transfers that have not ended: due at its earliest expiration still ahead, or at
     * {@code refireAt} when it holds one just expired. A row left with none is deleted. A row is only ever narrowed,
     * and only by transfers that ended, so a stale rewrite by a slow scheduler can bring back an ended transfer (to be
     * dropped again) but never lose a live one.
     */
    private static void keepWhatHasNotEnded(Connection c, List<TimerRow> claimed, Set<String> ended, Timestamp now,
                                            Timestamp refireAt) throws SQLException {
        List<Long> done = new ArrayList<>();
        try (PreparedStatement update = c.prepareStatement(
                "update transfer_timer_batches set transfer_ids = ?, expirations = ?, due_at = ? where id = ?")) {
            for (TimerRow row : claimed) {
                List<String> ids = new ArrayList<>();
                List<Timestamp> expirations = new ArrayList<>();
                Timestamp due = null;
                for (int i = 0; i < row.transferIds().length; i++) {
                    if (ended.contains(row.transferIds()[i])) {
                        continue;
                    }
                    Timestamp expiration = row.expirations()[i];
                    ids.add(row.transferIds()[i]);
                    expirations.add(expiration);
                    Timestamp next = expiration.after(now) ? expiration : refireAt;
                    due = due == null || next.before(due) ? next : due;
                }
                if (ids.isEmpty()) {
                    done.add(row.id());
                } else if (ids.size() < row.transferIds().length || !due.equals(refireAt)) {
                    update.setArray(1, c.createArrayOf("text", ids.toArray()));
                    update.setArray(2, c.createArrayOf("timestamptz", expirations.toArray()));
                    update.setTimestamp(3, due);
                    update.setLong(4, row.id());
                    update.addBatch();
                }
            }
            update.executeBatch();
        }
        if (!done.isEmpty()) {
            try (PreparedStatement delete = c.prepareStatement("delete from transfer_timer_batches where id = any(?)")) {
                delete.setArray(1, c.createArrayOf("bigint", done.toArray()));
                delete.executeUpdate();
            }
        }
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
