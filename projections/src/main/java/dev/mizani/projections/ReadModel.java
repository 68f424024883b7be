package dev.mizani.projections;

import dev.mizani.platform.eventstore.SqlTimestamps;
import dev.mizani.platform.metrics.Metrics;

import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.participant.*;
import dev.mizani.schemas.transfer.*;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Applies a batch of events to one table set in the caller's transaction: the rows the batch touches are
 * read in one query per table, the events applied in order in memory, and every changed row written back
 * in one statement per table. An event at or below the version its row last applied is a redelivery and
 * changes nothing, so Kafka's at-least-once delivery and a replay that overlaps it both count each event once.
 */
public final class ReadModel {
    /** Transfer states as FSPIOP names them. An expired transfer is ABORTED with error 3303. */
    public static final String RECEIVED = "RECEIVED", RESERVED = "RESERVED", COMMITTED = "COMMITTED", ABORTED = "ABORTED";
    public static final int EXPIRED_ERROR = 3303;

    /**
     * The longest stretch of changed_at one row of position history covers (the check on position_change_runs says the
     * same): a query for a time range looks at the runs that start up to this long before it.
     */
    static final Duration RUN_SPAN = Duration.ofMinutes(1);

    /**
     * The position changes stored in {@code schema}, one row per change with the columns of the view position_changes,
     * among runs that can hold a change in [lower, upper]: three timestamp parameters, lower, upper and lower again.
     * Callers add their conditions on {@code r.participant}, {@code r.currency} and the change's columns ({@code c.}).
     */
    static String positionChangesFrom(String schema) {
        return " from " + schema + ".position_change_runs r cross join lateral unnest(r.versions, r.changed_at, "
                + "r.causes, r.transfer_ids, r.positions, r.reserved, r.covers) as c(version, changed_at, cause, "
                + "transfer_id, position_minor, reserved_minor, liquidity_cover_minor) where r.from_at >= ?::timestamptz "
                + "- interval '" + RUN_SPAN.toSeconds() + " seconds' and r.from_at <= ? and r.to_at >= ?";
    }

    /**
     * One event of either topic. {@code partition} is its transfers.events partition (meaningless for
     * participant events); commits are ordered per partition, and settlement windows close per partition.
     */
    public record Event(int partition, EventMetadata metadata, Object payload) {}

    private final String schema;
    /** Where a transfer's time from prepare to its end is observed, by outcome; null observes nothing (a rebuild). */
    private volatile Ends ends;

    /** The prepare-to-end histograms, one per outcome. */
    private record Ends(Metrics.Histogram committed, Metrics.Histogram aborted, Metrics.Histogram expired) {}

    public ReadModel(String schema) {
        this.schema = ReadStore.checked(schema);
    }

    /**
     * Observes, as {@code mizani_transfer_duration_seconds{outcome}}, each transfer's time from its prepare to its end
     * as the hub recorded them (a batch replayed after a database failure observes its transfers again). For the
     * model that follows live traffic only: a rebuild replays history.
     */
    public void observeEnds(Metrics metrics) {
        String name = "mizani_transfer_duration_seconds";
        String help = "Time from a transfer's prepare to its commit, abort or expiry, as the hub recorded them";
        ends = new Ends(metrics.histogram(name, help, Metrics.SECONDS, "outcome", "committed"),
                metrics.histogram(name, help, Metrics.SECONDS, "outcome", "aborted"),
                metrics.histogram(name, help, Metrics.SECONDS, "outcome", "expired"));
    }

    private void ended(TransferRow r, Instant at, java.util.function.Function<Ends, Metrics.Histogram> outcome) {
        Ends e = ends;
        if (e != null && r.preparedAt != null) {
            outcome.apply(e).observe(Duration.between(r.preparedAt, at).toNanos() / 1e9);
        }
    }

    public String schema() {
        return schema;
    }

    /**
     * @param boundaries when replaying the event store, where each partition's windows closed; null when
     *                   following Kafka live, where windows close at the moment the operator asks
     * @return how many events changed the read store (the rest were redeliveries or changed nothing)
     */
    public int apply(Connection c, List<Event> events, WindowBoundaries boundaries) throws SQLException {
        Batch b = new Batch(c);
        b.load(events);
        int applied = 0;
        for (Event e : events) {
            if (b.apply(e, boundaries)) {
                applied++;
            }
        }
        b.write();
        return applied;
    }

    private String t(String table) {
        return schema + "." + table;
    }

    // ---- rows ----

    private static final class TransferRow {
        String id, payer, payee, currency, state, errorDescription, fulfilment;
        long version;
        Long amount, windowId;
        Integer errorCode;
        Instant expiration, preparedAt, reservedAt, committedAt, abortedAt, updatedAt;
        boolean dirty;
    }

    private static final class ParticipantRow {
        String name, credential;
        long version;
        boolean active, dirty;
        Instant createdAt, updatedAt;
    }

    private static final class PositionRow {
        String participant, currency;
        long position, reserved, ndc, cover, fundsOutPending;
        Instant changedAt;
        boolean dirty;
    }

    private record PositionChange(String participant, long version, String currency, Instant at, String cause,
                                  String transferId, long position, long reserved, long cover) {}

    private record Pending(String currency, long amount) {}

    /** Consecutive changes of one participant's currency within {@link #RUN_SPAN} of each other: one stored row. */
    private static final class Run {
        final List<PositionChange> changes = new ArrayList<>();
        Instant from, to;

        Run(PositionChange first) {
            changes.add(first);
            from = to = first.at();
        }

        /** Adds the change if the run still spans at most {@link #RUN_SPAN} with it. */
        boolean takes(PositionChange change) {
            Instant newFrom = change.at().isBefore(from) ? change.at() : from;
            Instant newTo = change.at().isAfter(to) ? change.at() : to;
            if (Duration.between(newFrom, newTo).compareTo(RUN_SPAN) > 0) {
                return false;
            }
            changes.add(change);
            from = newFrom;
            to = newTo;
            return true;
        }
    }

    private static final class PartitionWindow {
        long windowId;
        UUID lastCommitId;
        boolean dirty;
    }

    private record WindowKey(long windowId, String participant, String currency) {}

    private static final class WindowDelta {
        long net, count;
    }

    // ---- one batch ----

    private final class Batch {
        final Connection c;
        final Map<String, TransferRow> transfers = new HashMap<>();
        final Map<String, ParticipantRow> participants = new HashMap<>();
        final Map<String, PositionRow> positions = new HashMap<>();
        final Map<String, Map<String, Pending>> pendingLoaded = new HashMap<>();
        final Map<String, Map<String, Pending>> pending = new HashMap<>();
        final Map<Integer, PartitionWindow> partitions = new HashMap<>();
        final List<PositionChange> changes = new ArrayList<>();
        final Map<WindowKey, WindowDelta> windowDeltas = new LinkedHashMap<>();

        Batch(Connection c) {
            this.c = c;
        }

        void load(List<Event> events) throws SQLException {
            Set<String> transferIds = new HashSet<>();
            Set<String> names = new HashSet<>();
            for (Event e : events) {
                if (isTransferStream(e)) {
                    transferIds.add(key(e));
                } else {
                    names.add(key(e));
                }
            }
            if (!transferIds.isEmpty()) {
                loadTransfers(transferIds);
                loadPartitions();
            }
            if (!names.isEmpty()) {
                loadParticipants(names);
            }
        }

        private void loadTransfers(Set<String> ids) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("select transfer_id, version, payer_fsp, payee_fsp, amount_minor, "
                    + "currency, state, error_code, error_description, expiration, prepared_at, reserved_at, committed_at, "
                    + "aborted_at, fulfilment, settlement_window_id, updated_at from " + t("transfers")
                    + " where transfer_id = any(?)")) {
                ps.setArray(1, c.createArrayOf("text", ids.toArray(String[]::new)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        TransferRow r = new TransferRow();
                        r.id = rs.getString(1);
                        r.version = rs.getLong(2);
                        r.payer = rs.getString(3);
                        r.payee = rs.getString(4);
                        r.amount = (Long) rs.getObject(5);
                        r.currency = rs.getString(6);
                        r.state = rs.getString(7);
                        r.errorCode = (Integer) rs.getObject(8);
                        r.errorDescription = rs.getString(9);
                        r.expiration = instant(rs, 10);
                        r.preparedAt = instant(rs, 11);
                        r.reservedAt = instant(rs, 12);
                        r.committedAt = instant(rs, 13);
                        r.abortedAt = instant(rs, 14);
                        r.fulfilment = rs.getString(15);
                        r.windowId = (Long) rs.getObject(16);
                        r.updatedAt = instant(rs, 17);
                        transfers.put(r.id, r);
                    }
                }
            }
        }

        private void loadPartitions() throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("select partition, window_id, last_commit_id from " + t("partition_windows"));
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    PartitionWindow w = new PartitionWindow();
                    w.windowId = rs.getLong(2);
                    w.lastCommitId = (UUID) rs.getObject(3);
                    partitions.put(rs.getInt(1), w);
                }
            }
        }

        private void loadParticipants(Set<String> names) throws SQLException {
            Array wanted = c.createArrayOf("text", names.toArray(String[]::new));
            try (PreparedStatement ps = c.prepareStatement("select name, version, active, credential_sha256, created_at, "
                    + "updated_at from " + t("participants") + " where name = any(?)")) {
                ps.setArray(1, wanted);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ParticipantRow r = new ParticipantRow();
                        r.name = rs.getString(1);
                        r.version = rs.getLong(2);
                        r.active = rs.getBoolean(3);
                        r.credential = rs.getString(4);
                        r.createdAt = instant(rs, 5);
                        r.updatedAt = instant(rs, 6);
                        participants.put(r.name, r);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select participant, currency, position_minor, reserved_minor, "
                    + "net_debit_cap_minor, liquidity_cover_minor, funds_out_pending_minor, changed_at from "
                    + t("positions") + " where participant = any(?)")) {
                ps.setArray(1, wanted);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        PositionRow r = new PositionRow();
                        r.participant = rs.getString(1);
                        r.currency = rs.getString(2);
                        r.position = rs.getLong(3);
                        r.reserved = rs.getLong(4);
                        r.ndc = rs.getLong(5);
                        r.cover = rs.getLong(6);
                        r.fundsOutPending = rs.getLong(7);
                        r.changedAt = instant(rs, 8);
                        positions.put(r.participant + "/" + r.currency, r);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select participant, funds_transfer_id, currency, amount_minor from "
                    + t("funds_out_pending") + " where participant = any(?)")) {
                ps.setArray(1, wanted);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        pendingLoaded.computeIfAbsent(rs.getString(1), k -> new HashMap<>())
                                .put(rs.getString(2), new Pending(rs.getString(3), rs.getLong(4)));
                    }
                }
            }
            pendingLoaded.forEach((name, m) -> pending.put(name, new HashMap<>(m)));
        }

        // ---- applying ----

        boolean apply(Event e, WindowBoundaries boundaries) {
            return isTransferStream(e) ? applyTransfer(e, boundaries) : applyParticipant(e);
        }

        private boolean applyTransfer(Event e, WindowBoundaries boundaries) {
            EventMetadata m = e.metadata();
            String id = key(e);
            Instant at = m.getRecordedAt();
            TransferRow r = transfers.get(id);
            if (r != null && m.getVersion() <= r.version) {
                return false;
            }
            switch (e.payload()) {
                case TransferPrepareAccepted p -> {
                    if (r == null) {
                        r = newTransfer(id, p.getPayerFsp(), p.getPayeeFsp(), at);
                        r.amount = p.getAmountMinor();
                        r.currency = p.getCurrency();
                        r.expiration = p.getExpiration();
                        r.state = RECEIVED;
                    }
                }
                case TransferPrepareRejected p -> {
                    if (r == null) {
                        r = newTransfer(id, p.getPayerFsp(), p.getPayeeFsp(), at);
                        aborted(r, p.getErrorCode(), p.getErrorDescription(), at);
                    }
                }
                case TransferReserved p -> {
                    if (r != null) {
                        r.state = RESERVED;
                        r.reservedAt = at;
                    }
                }
                case TransferCommitted p -> {
                    if (r != null) {
                        r.state = COMMITTED;
                        r.committedAt = at;
                        r.fulfilment = p.getFulfilment();
                        r.windowId = commitIntoWindow(e, p, boundaries);
                        ended(r, at, Ends::committed);
                    }
                }
                case TransferAborted p -> {
                    if (r != null) {
                        aborted(r, p.getErrorCode(), p.getErrorDescription(), at);
                        ended(r, at, Ends::aborted);
                    }
                }
                case TransferExpired p -> {
                    if (r != null) {
                        aborted(r, EXPIRED_ERROR, "Transfer expired", at);
                        ended(r, at, Ends::expired);
                    }
                }
                default -> {
                    // a late release, a duplicate reported again, a refused request: the transfer is unchanged
                }
            }
            if (r == null) {
                return false;
            }
            r.version = m.getVersion();
            r.updatedAt = at;
            r.dirty = true;
            return true;
        }

        private TransferRow newTransfer(String id, String payer, String payee, Instant at) {
            TransferRow r = new TransferRow();
            r.id = id;
            r.payer = payer;
            r.payee = payee;
            r.preparedAt = at;
            transfers.put(id, r);
            return r;
        }

        private static void aborted(TransferRow r, int code, String description, Instant at) {
            r.state = ABORTED;
            r.errorCode = code;
            r.errorDescription = description;
            r.abortedAt = at;
        }

        /** Nets the commit into its partition's open window, then moves the partition on if a close fell here. */
        private long commitIntoWindow(Event e, TransferCommitted p, WindowBoundaries boundaries) {
            PartitionWindow w = partitions.computeIfAbsent(e.partition(), k -> {
                PartitionWindow fresh = new PartitionWindow();
                fresh.windowId = boundaries == null ? 1 : boundaries.initialWindow(k);
                return fresh;
            });
            long windowId = w.windowId;
            delta(windowId, p.getPayerFsp(), p.getCurrency(), p.getAmountMinor());
            delta(windowId, p.getPayeeFsp(), p.getCurrency(), -p.getAmountMinor());
            UUID eventId = UUID.fromString(e.metadata().getEventId());
            w.lastCommitId = eventId;
            if (boundaries != null) {
                long closedThrough = boundaries.closedAfter(e.partition(), eventId);
                if (closedThrough > 0) {
                    w.windowId = closedThrough + 1;
                }
            }
            w.dirty = true;
            return windowId;
        }

        private void delta(long windowId, String participant, String currency, long amount) {
            WindowDelta d = windowDeltas.computeIfAbsent(new WindowKey(windowId, participant, currency), k -> new WindowDelta());
            d.net += amount;
            d.count++;
        }

        private boolean applyParticipant(Event e) {
            EventMetadata m = e.metadata();
            String name = key(e);
            Instant at = m.getRecordedAt();
            ParticipantRow r = participants.get(name);
            if (r == null) {
                if (!(e.payload() instanceof ParticipantCreated)) {
                    return false; // a refusal for a participant that was never created
                }
                r = new ParticipantRow();
                r.name = name;
                r.active = true;
                r.createdAt = at;
                participants.put(name, r);
            } else if (m.getVersion() <= r.version) {
                return false;
            }
            long v = m.getVersion();
            switch (e.payload()) {
                case CurrencyAdded p -> position(name, p.getCurrency(), at);
                case NetDebitCapSet p -> position(name, p.getCurrency(), at).ndc = p.getNetDebitCapMinor();
                case InitialPositionSet p -> {
                    PositionRow pos = position(name, p.getCurrency(), at);
                    moved(pos, v, at, "InitialPositionSet", null, p.getPositionMinor(), pos.reserved, pos.cover);
                }
                case FundsRecordedIn p -> {
                    PositionRow pos = position(name, p.getCurrency(), at);
                    moved(pos, v, at, "FundsRecordedIn", null, pos.position, pos.reserved, p.getLiquidityCoverMinor());
                }
                case FundsRecordedOut p -> {
                    PositionRow pos = position(name, p.getCurrency(), at);
                    Pending held = pendingOf(name).remove(p.getFundsTransferId());
                    if (held != null) {
                        pos.fundsOutPending -= held.amount();
                    }
                    moved(pos, v, at, "FundsRecordedOut", null, pos.position, pos.reserved, p.getLiquidityCoverMinor());
                }
                case FundsOutReserved p -> {
                    pendingOf(name).put(p.getFundsTransferId(), new Pending(p.getCurrency(), p.getAmountMinor()));
                    position(name, p.getCurrency(), at).fundsOutPending += p.getAmountMinor();
                }
                case FundsOutAborted p -> {
                    Pending held = pendingOf(name).remove(p.getFundsTransferId());
                    if (held != null) {
                        position(name, p.getCurrency(), at).fundsOutPending -= held.amount();
                    }
                }
                case PayerFundsReserved p -> transferFact(name, v, at, p);
                case PayerFundsCommitted p -> transferFact(name, v, at, p);
                case PayeeFundsCommitted p -> transferFact(name, v, at, p);
                case PayerFundsReleased p -> transferFact(name, v, at, p);
                case TransferFacts p -> p.getFacts().forEach(fact -> transferFact(name, v, at, fact));
                case ParticipantActiveSet p -> r.active = p.getActive();
                case CredentialSet p -> r.credential = p.getCredentialSha256();
                default -> {
                    // created, endpoints, rate limits, refusals: nothing the read store keeps beyond the version
                }
            }
            r.version = v;
            r.updatedAt = at;
            r.dirty = true;
            return true;
        }

        /** A transfer's money fact, alone or one of a packed event's (which then share its version). */
        private void transferFact(String name, long v, Instant at, Object fact) {
            switch (fact) {
                case PayerFundsReserved p -> {
                    PositionRow pos = position(name, p.getCurrency(), at);
                    moved(pos, v, at, "PayerFundsReserved", p.getTransferId(), p.getPositionMinor(), p.getReservedMinor(), pos.cover);
                }
                case PayerFundsCommitted p -> {
                    PositionRow pos = position(name, p.getCurrency(), at);
                    moved(pos, v, at, "PayerFundsCommitted", p.getTransferId(), p.getPositionMinor(), p.getReservedMinor(), pos.cover);
                }
                case PayeeFundsCommitted p -> {
                    PositionRow pos = position(name, p.getCurrency(), at);
                    moved(pos, v, at, "PayeeFundsCommitted", p.getTransferId(), p.getPositionMinor(), pos.reserved, pos.cover);
                }
                case PayerFundsReleased p -> {
                    PositionRow pos = position(name, p.getCurrency(), at);
                    moved(pos, v, at, "PayerFundsReleased", p.getTransferId(), pos.position, p.getReservedMinor(), pos.cover);
                }
                default -> {
                    // a refused reservation moves nothing
                }
            }
        }

        private Map<String, Pending> pendingOf(String participant) {
            return pending.computeIfAbsent(participant, k -> new HashMap<>());
        }

        /** The row of a participant's currency, created if new; whatever the caller changes on it gets written. */
        private PositionRow position(String participant, String currency, Instant at) {
            PositionRow row = positions.computeIfAbsent(participant + "/" + currency, k -> {
                PositionRow r = new PositionRow();
                r.participant = participant;
                r.currency = currency;
                r.changedAt = at;
                return r;
            });
            row.dirty = true;
            return row;
        }

        /** A money event: the row takes the totals it states, and a history row is kept when they changed. */
        private void moved(PositionRow pos, long version, Instant at, String cause, String transferId,
                           long position, long reserved, long cover) {
            pos.dirty = true;
            if (position == pos.position && reserved == pos.reserved && cover == pos.cover) {
                return; // reported again, nothing moved
            }
            pos.position = position;
            pos.reserved = reserved;
            pos.cover = cover;
            pos.changedAt = at;
            changes.add(new PositionChange(pos.participant, version, pos.currency, at, cause, transferId, position,
                    reserved, cover));
        }

        // ---- writing ----

        void write() throws SQLException {
            writeTransfers();
            writeParticipants();
            writePositions();
            writeChanges();
            writePending();
            writeWindows();
        }

        private void writeTransfers() throws SQLException {
            List<TransferRow> rows = transfers.values().stream().filter(r -> r.dirty).toList();
            if (rows.isEmpty()) {
                return;
            }
            Object[][] cols = columns(rows.stream().map(r -> new Object[] {r.id, r.version, r.payer, r.payee, r.amount,
                    r.currency, r.state, r.errorCode, r.errorDescription, r.expiration, r.preparedAt, r.reservedAt,
                    r.committedAt, r.abortedAt, r.fulfilment, r.windowId, r.updatedAt})
                    .toList(), 17);
            String[] types = {"text", "bigint", "text", "text", "bigint", "text", "text", "integer", "text", "timestamptz",
                    "timestamptz", "timestamptz", "timestamptz", "timestamptz", "text", "bigint", "timestamptz"};
            String sql = "insert into " + t("transfers") + " (transfer_id, version, payer_fsp, payee_fsp, amount_minor, "
                    + "currency, state, error_code, error_description, expiration, prepared_at, reserved_at, committed_at, "
                    + "aborted_at, fulfilment, settlement_window_id, updated_at) select * from unnest(" + placeholders(types)
                    + ") on conflict (transfer_id) do update set version = excluded.version, state = excluded.state, "
                    + "error_code = excluded.error_code, error_description = excluded.error_description, "
                    + "reserved_at = excluded.reserved_at, committed_at = excluded.committed_at, "
                    + "aborted_at = excluded.aborted_at, fulfilment = excluded.fulfilment, "
                    + "settlement_window_id = excluded.settlement_window_id, updated_at = excluded.updated_at";
            execute(sql, types, cols);
        }

        private void writeParticipants() throws SQLException {
            List<ParticipantRow> rows = participants.values().stream().filter(r -> r.dirty).toList();
            if (rows.isEmpty()) {
                return;
            }
            Object[][] cols = columns(rows.stream().map(r -> new Object[] {r.name, r.version, r.active, r.credential,
                    r.createdAt, r.updatedAt}).toList(), 6);
            String[] types = {"text", "bigint", "boolean", "text", "timestamptz", "timestamptz"};
            execute("insert into " + t("participants") + " (name, version, active, credential_sha256, created_at, updated_at) "
                    + "select * from unnest(" + placeholders(types) + ") on conflict (name) do update set "
                    + "version = excluded.version, active = excluded.active, credential_sha256 = excluded.credential_sha256, "
                    + "updated_at = excluded.updated_at", types, cols);
        }

        private void writePositions() throws SQLException {
            List<PositionRow> rows = positions.values().stream().filter(r -> r.dirty).toList();
            if (rows.isEmpty()) {
                return;
            }
            Object[][] cols = columns(rows.stream().map(r -> new Object[] {r.participant, r.currency, r.position,
                    r.reserved, r.ndc, r.cover, r.fundsOutPending, r.changedAt}).toList(), 8);
            String[] types = {"text", "text", "bigint", "bigint", "bigint", "bigint", "bigint", "timestamptz"};
            execute("insert into " + t("positions") + " (participant, currency, position_minor, reserved_minor, "
                    + "net_debit_cap_minor, liquidity_cover_minor, funds_out_pending_minor, changed_at) select * from unnest("
                    + placeholders(types) + ") on conflict (participant, currency) do update set "
                    + "position_minor = excluded.position_minor, reserved_minor = excluded.reserved_minor, "
                    + "net_debit_cap_minor = excluded.net_debit_cap_minor, liquidity_cover_minor = excluded.liquidity_cover_minor, "
                    + "funds_out_pending_minor = excluded.funds_out_pending_minor, changed_at = excluded.changed_at", types, cols);
        }

        /**
         * The batch's position changes as runs: per participant and currency, in the order applied (version order),
         * cut where a run would span more than {@link #RUN_SPAN}. One row per run, sent as one JDBC batch.
         */
        private void writeChanges() throws SQLException {
            if (changes.isEmpty()) {
                return;
            }
            Map<String, List<Run>> runs = new LinkedHashMap<>();
            for (PositionChange change : changes) {
                List<Run> ofAccount = runs.computeIfAbsent(change.participant() + "/" + change.currency(), k -> new ArrayList<>());
                if (ofAccount.isEmpty() || !ofAccount.getLast().takes(change)) {
                    ofAccount.add(new Run(change));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("insert into " + t("position_change_runs") + " (participant, "
                    + "currency, from_at, to_at, first_version, versions, changed_at, causes, transfer_ids, positions, "
                    + "reserved, covers) values (?, ?, ?::timestamptz, ?::timestamptz, ?, ?::bigint[], "
                    + SqlTimestamps.fromMicros("?") + ", ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[])")) {
                String[] types = {"bigint", "timestamptz", "text", "text", "bigint", "bigint", "bigint"};
                for (List<Run> ofAccount : runs.values()) {
                    for (Run run : ofAccount) {
                        Object[][] cols = columns(run.changes.stream().map(x -> new Object[] {x.version(), x.at(),
                                x.cause(), x.transferId(), x.position(), x.reserved(), x.cover()}).toList(), 7);
                        PositionChange first = run.changes.getFirst();
                        ps.setString(1, first.participant());
                        ps.setString(2, first.currency());
                        ps.setString(3, ts(run.from));
                        ps.setString(4, ts(run.to));
                        ps.setLong(5, first.version());
                        for (int i = 0; i < types.length; i++) {
                            ps.setArray(6 + i, array(types[i], cols[i]));
                        }
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
        }

        private void writePending() throws SQLException {
            List<Object[]> removed = new ArrayList<>();
            List<Object[]> added = new ArrayList<>();
            pending.forEach((name, now) -> {
                Map<String, Pending> before = pendingLoaded.getOrDefault(name, Map.of());
                before.keySet().stream().filter(id -> !now.containsKey(id)).forEach(id -> removed.add(new Object[] {name, id}));
                now.forEach((id, p) -> {
                    if (!before.containsKey(id)) {
                        added.add(new Object[] {name, id, p.currency(), p.amount()});
                    }
                });
            });
            if (!removed.isEmpty()) {
                String[] types = {"text", "text"};
                execute("delete from " + t("funds_out_pending") + " f using unnest(" + placeholders(types)
                        + ") as u(p, id) where f.participant = u.p and f.funds_transfer_id = u.id", types, columns(removed, 2));
            }
            if (!added.isEmpty()) {
                String[] types = {"text", "text", "text", "bigint"};
                execute("insert into " + t("funds_out_pending") + " (participant, funds_transfer_id, currency, amount_minor) "
                        + "select * from unnest(" + placeholders(types) + ")", types, columns(added, 4));
            }
        }

        private void writeWindows() throws SQLException {
            if (!windowDeltas.isEmpty()) {
                List<Object[]> rows = new ArrayList<>();
                windowDeltas.forEach((k, d) -> rows.add(new Object[] {k.windowId(), k.participant(), k.currency(), d.net, d.count}));
                String[] types = {"bigint", "text", "text", "bigint", "bigint"};
                execute("insert into " + t("window_positions") + " (window_id, participant, currency, net_minor, "
                        + "transfer_count) select * from unnest(" + placeholders(types) + ") on conflict (window_id, "
                        + "participant, currency) do update set net_minor = window_positions.net_minor + excluded.net_minor, "
                        + "transfer_count = window_positions.transfer_count + excluded.transfer_count", types, columns(rows, 5));
            }
            List<Object[]> moved = new ArrayList<>();
            partitions.forEach((p, w) -> {
                if (w.dirty) {
                    moved.add(new Object[] {p, w.windowId, w.lastCommitId});
                }
            });
            if (!moved.isEmpty()) {
                String[] types = {"integer", "bigint", "uuid"};
                execute("insert into " + t("partition_windows") + " (partition, window_id, last_commit_id) select * from unnest("
                        + placeholders(types) + ") on conflict (partition) do update set window_id = excluded.window_id, "
                        + "last_commit_id = excluded.last_commit_id", types, columns(moved, 3));
            }
        }

        private void execute(String sql, String[] types, Object[][] cols) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < types.length; i++) {
                    ps.setArray(i + 1, array(types[i], cols[i]));
                }
                ps.executeUpdate();
            }
        }

        /**
         * A column as an array the driver sends in PostgreSQL's binary form: text, bigint and integer as they are,
         * timestamps as microseconds since the epoch ({@link SqlTimestamps}). An array of mixed objects would go as
         * text that the server parses element by element.
         */
        private Array array(String type, Object[] column) throws SQLException {
            return switch (type) {
                case "text" -> c.createArrayOf(type, Arrays.copyOf(column, column.length, String[].class));
                case "bigint" -> c.createArrayOf(type, Arrays.copyOf(column, column.length, Long[].class));
                case "integer" -> c.createArrayOf(type, Arrays.copyOf(column, column.length, Integer[].class));
                case "timestamptz" -> c.createArrayOf("bigint",
                        SqlTimestamps.micros(Arrays.copyOf(column, column.length, Instant[].class)));
                default -> c.createArrayOf(type, column);
            };
        }
    }

    // ---- helpers ----

    static boolean isTransferStream(Event e) {
        return e.metadata().getStreamId().startsWith("transfer-");
    }

    /** The aggregate key: the stream id without its context prefix, which is also the Kafka record key. */
    static String key(Event e) {
        String stream = e.metadata().getStreamId();
        return stream.substring(stream.indexOf('-') + 1);
    }

    private static Object[][] columns(List<Object[]> rows, int width) {
        Object[][] cols = new Object[width][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            for (int col = 0; col < width; col++) {
                cols[col][i] = rows.get(i)[col];
            }
        }
        return cols;
    }

    private static String placeholders(String[] types) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < types.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(types[i].equals("timestamptz") ? SqlTimestamps.fromMicros("?") : "?::" + types[i] + "[]");
        }
        return sb.toString();
    }

    /** Timestamps travel as ISO-8601 text in UTC and are cast in SQL, so no driver time zone takes part. */
    private static String ts(Instant at) {
        return at == null ? null : at.toString();
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
