package dev.mizani.projections;

import dev.mizani.platform.health.Health;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.schemas.ParticipantFacts;
import dev.mizani.schemas.participant.InitialPositionSet;
import dev.mizani.schemas.participant.PayeeFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsReserved;
import dev.mizani.schemas.transfer.TransferCommitted;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ledger checked as its events flow, by the projection after each batch it applies, so an operator hears of
 * money created or destroyed within seconds rather than at month end. Three checks:
 * <ul>
 *   <li><b>each commit moves money once on each side</b>: a {@code TransferCommitted} expects exactly one
 *       {@code PayerFundsCommitted} and one {@code PayeeFundsCommitted} of its amount. A side applied twice, or with
 *       another amount, is money created (a payee credited twice) or destroyed; its amount goes into the currency's
 *       imbalance, which must stay zero;</li>
 *   <li><b>a position is its previous value plus what moved it</b>: each participant event's absolute position
 *       equals the last one plus the commit's amount (conservation within the stream);</li>
 *   <li><b>nothing stays half committed</b>: a commit whose two sides have not both arrived within
 *       {@code halfCommittedAfterNs} means positions do not net to zero (a handler down, or a side lost).</li>
 * </ul>
 * Events come again (republished after a crash, a repeated command's outcome published again): each participant
 * stream's version makes the audit count an event once. Its memory is bounded: open commits, the last
 * {@link #CLOSED_MAX} closed ones (a repeat of an older one shows up as a side that never matches), one position
 * per account. It starts empty with the process; a side whose commit was applied before a restart is checked
 * against the read store's transfer row instead, and a commit whose sides were, against the read store's position
 * history (see {@link #reconcile}).
 */
public final class LedgerAudit {
    static final int CLOSED_MAX = 100_000;
    /** How much earlier than its commit a side may seem recorded, the two recorded by different processes' clocks. */
    private static final Duration CLOCK_SKEW_MAX = Duration.ofMinutes(1);

    private static final class Commit {
        String currency;
        String payer;
        String payee;
        Instant committedAt;
        long anchoredAmount = -1;
        long payerAmount;
        long payeeAmount;
        int payerSides;
        int payeeSides;
        final long firstSeenNs;

        Commit(long firstSeenNs) {
            this.firstSeenNs = firstSeenNs;
        }

        boolean complete() {
            return anchoredAmount >= 0 && payerSides == 1 && payeeSides == 1;
        }
    }

    private final long halfCommittedAfterNs;
    private final Map<String, Commit> open = new LinkedHashMap<>();
    private final LinkedHashMap<String, Boolean> closed = new LinkedHashMap<>(1 << 16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > CLOSED_MAX;
        }
    };
    private final Map<String, Long> streamVersions = new HashMap<>();
    private final Map<String, Long> positions = new HashMap<>();
    private final Map<String, Long> imbalance = new ConcurrentHashMap<>();
    private volatile long doubled;
    private volatile long positionMismatches;
    private volatile long unverified;
    private volatile long halfCommitted;
    private volatile String firstProblem;
    private volatile String halfCommittedExample;
    private Metrics metrics;

    public LedgerAudit(long halfCommittedAfterNs) {
        this.halfCommittedAfterNs = halfCommittedAfterNs;
    }

    /**
     * When the audit started following (its process, or its taking over the read store): only sides recorded before
     * then can have been applied without it, and a side is recorded after its commit.
     */
    private volatile Instant startedAt = Instant.now();

    /** Registers the audit's series: the imbalance per currency, doubled sides, position mismatches, half commits. */
    public LedgerAudit export(Metrics m) {
        metrics = m;
        m.gauge("mizani_ledger_doubled_sides", "Commit sides applied more than once or with another amount than the commit's",
                () -> doubled);
        m.gauge("mizani_ledger_position_mismatches", "Participant events whose position is not the previous one plus the amount moved",
                () -> positionMismatches);
        m.gauge("mizani_ledger_half_committed", "Commits whose payer and payee sides have not both been applied for too long",
                () -> halfCommitted);
        m.gauge("mizani_ledger_unverified_sides", "Commit sides whose other side was applied before the audit started",
                () -> unverified);
        imbalance.keySet().forEach(this::exportCurrency);
        return this;
    }

    private void exportCurrency(String currency) {
        if (metrics != null) {
            metrics.gauge("mizani_ledger_imbalance_minor", "Money created (positive) or destroyed (negative) per currency, "
                    + "in minor units: payee credits less payer debits beyond what commits moved. Must be 0",
                    () -> imbalance.getOrDefault(currency, 0L), "currency", currency);
        }
    }

    /** Up while no money was created or destroyed, every position adds up, and no commit stays half applied. */
    public Health.Check check() {
        long created = imbalance.values().stream().mapToLong(Math::abs).sum();
        if (created != 0 || doubled != 0 || positionMismatches != 0 || halfCommitted != 0) {
            return Health.Check.down("imbalance " + imbalance + ", " + doubled + " doubled sides, " + positionMismatches
                    + " position mismatches, " + halfCommitted + " half-committed transfers"
                    + (halfCommitted == 0 ? "" : " (" + halfCommittedExample + ")") + "; first: " + firstProblem);
        }
        return Health.Check.up(open.size() + " commits in flight, " + unverified + " sides unverifiable across a restart");
    }

    /**
     * Forgets what it followed (open and closed commits, stream versions, positions) and follows on from here, as a
     * new process would: for an instance that takes over the read store from another. Problems found so far stay.
     */
    public synchronized void restart() {
        startedAt = Instant.now();
        open.clear();
        closed.clear();
        streamVersions.clear();
        positions.clear();
    }

    /** Audits one applied batch, in the order the projection applied it. */
    public synchronized void apply(List<ReadModel.Event> events, long nowNs) {
        for (ReadModel.Event e : events) {
            switch (e.payload()) {
                case TransferCommitted t -> anchor(t, e.metadata().getRecordedAt(), nowNs);
                case InitialPositionSet i when firstTime(e) ->
                        positions.put(i.getParticipant() + '\u0000' + i.getCurrency(), i.getPositionMinor());
                default -> {
                    if (firstTime(e)) {
                        for (Object fact : ParticipantFacts.of(e.payload())) {
                            transferFact(fact, nowNs);
                        }
                    }
                }
            }
        }
        recount(nowNs);
    }

    /** A participant's transfer fact, alone or one of a packed event's, seen for the first time. */
    private void transferFact(Object fact, long nowNs) {
        switch (fact) {
            case PayerFundsCommitted p -> {
                position(p.getParticipant(), p.getCurrency(), p.getPositionMinor(), p.getAmountMinor(), p.getTransferId());
                side(p.getTransferId(), p.getCurrency(), p.getAmountMinor(), true, nowNs);
            }
            case PayeeFundsCommitted p -> {
                position(p.getParticipant(), p.getCurrency(), p.getPositionMinor(), -p.getAmountMinor(), p.getTransferId());
                side(p.getTransferId(), p.getCurrency(), p.getAmountMinor(), false, nowNs);
            }
            case PayerFundsReserved r -> position(r.getParticipant(), r.getCurrency(), r.getPositionMinor(), 0, r.getTransferId());
            default -> {
                // a release or a refusal moves no position; other events state none
            }
        }
    }

    private void recount(long nowNs) {
        long stale = 0;
        String example = null;
        for (Map.Entry<String, Commit> e : open.entrySet()) {
            Commit c = e.getValue();
            if (c.anchoredAmount >= 0 && nowNs - c.firstSeenNs > halfCommittedAfterNs) {
                stale++;
                if (example == null) {
                    example = e.getKey() + " (" + c.payerSides + " payer and " + c.payeeSides + " payee sides)";
                }
            }
        }
        halfCommitted = stale;
        halfCommittedExample = example;
    }

    /**
     * Sides open for longer than the half-commit bound without their commit: the commit was read before the audit
     * started (a restart), or there is none. The caller looks each transfer up in the read store and answers through
     * {@link #resolve}.
     */
    public synchronized List<String> staleSides(long nowNs, int max) {
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, Commit> e : open.entrySet()) {
            if (e.getValue().anchoredAmount < 0 && nowNs - e.getValue().firstSeenNs > halfCommittedAfterNs) {
                stale.add(e.getKey());
                if (stale.size() == max) {
                    break;
                }
            }
        }
        return stale;
    }

    /**
     * What the read store says of a transfer with sides but no commit seen: committed with this amount (its commit
     * was applied before the audit started), or not committed at all (-1): money moved for a transfer that never
     * committed. With both sides seen, a commit the audit did not see closes it unverified. With one side seen, its
     * partner may still come (in a poll not yet given to the audit, on the other topic's partition) or may have been
     * applied before the audit started too: the commit is anchored as the read store has it and stays open, so the
     * partner settles it when it comes, or the stale-commit look-up ({@link #staleCommits}) finds both sides in the
     * read store. Closing it here made a partner that came later count as applied twice.
     */
    public synchronized void resolve(String transferId, long committedAmount, String payer, String payee,
                                     Instant committedAt) {
        Commit c = open.get(transferId);
        if (c == null || c.anchoredAmount >= 0) {
            return;
        }
        if (committedAmount < 0) {
            problem("sides applied for transfer " + transferId + ", which is not committed", c.currency,
                    c.payeeAmount - c.payerAmount);
            doubled += c.payerSides + c.payeeSides;
        } else if (c.payerSides > 1 || c.payeeSides > 1 || (c.payerSides == 1 && c.payerAmount != committedAmount)
                || (c.payeeSides == 1 && c.payeeAmount != committedAmount)) {
            problem("transfer " + transferId + " moved " + c.payerAmount + " from its payer and " + c.payeeAmount
                    + " to its payee, committed " + committedAmount, c.currency, c.payeeAmount - c.payerAmount
                    - (committedAmount * (c.payeeSides - c.payerSides)));
            doubled++;
        } else if (c.payerSides == 1 && c.payeeSides == 1) {
            unverified++;
        } else {
            c.anchoredAmount = committedAmount;
            c.payer = payer;
            c.payee = payee;
            c.committedAt = committedAt;
            return;
        }
        open.remove(transferId);
        closed.put(transferId, Boolean.TRUE);
    }

    /** A commit whose sides have not all been seen: who its sides belong to and when it was recorded. */
    public record StaleCommit(String transferId, String payer, String payee, String currency, Instant committedAt) {}

    /**
     * Commits missing a side for longer than a third of the half-commit bound whose sides may have been applied
     * before the audit started (the projection's restart fell between a commit's sides and the commit, which come on
     * different topics): only commits recorded before the audit started can have such sides, so a hub that is merely
     * behind (its participants handler slow) asks nothing of the database. The caller counts the sides the read store
     * holds and answers through {@link #resolveSides}, before the bound makes such a commit count as half committed.
     */
    public synchronized List<StaleCommit> staleCommits(long nowNs, int max) {
        List<StaleCommit> stale = new ArrayList<>();
        Instant recordedBefore = startedAt.plus(CLOCK_SKEW_MAX);
        for (Map.Entry<String, Commit> e : open.entrySet()) {
            Commit c = e.getValue();
            if (c.anchoredAmount >= 0 && nowNs - c.firstSeenNs > halfCommittedAfterNs / 3
                    && c.committedAt.isBefore(recordedBefore)) {
                stale.add(new StaleCommit(e.getKey(), c.payer, c.payee, c.currency, c.committedAt));
                if (stale.size() == max) {
                    break;
                }
            }
        }
        return stale;
    }

    /**
     * What the read store holds of a commit's sides, counting those applied before the audit started: each once
     * closes the commit (unverified: an earlier side's amount cannot be checked); a side twice is money created or
     * destroyed; a side not there at all leaves the commit open (still half committed).
     */
    public synchronized void resolveSides(String transferId, int payerSides, int payeeSides) {
        Commit c = open.get(transferId);
        if (c == null || c.anchoredAmount < 0 || payerSides == 0 || payeeSides == 0) {
            return;
        }
        open.remove(transferId);
        closed.put(transferId, Boolean.TRUE);
        if (payerSides == 1 && payeeSides == 1) {
            unverified++;
        } else {
            problem("transfer " + transferId + " committed " + c.anchoredAmount + " has " + payerSides
                    + " payer and " + payeeSides + " payee sides in the read store", c.currency,
                    c.anchoredAmount * (payeeSides - payerSides));
            doubled++;
        }
    }

    /**
     * Checks what the audit could not see against the read store {@code schema} (the projection's own, on its thread,
     * so the store holds exactly the batches the audit was given, and those before it started): sides without their
     * commit ({@link #staleSides}), commits without their sides ({@link #staleCommits}). Then recounts the half
     * committed, so the health changes without waiting for the next event.
     */
    public void reconcile(Connection c, String schema, long nowNs) throws SQLException {
        List<String> sides = staleSides(nowNs, 500);
        if (!sides.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("select transfer_id, state, amount_minor, payer_fsp, payee_fsp, "
                    + "committed_at from " + schema + ".transfers where transfer_id = any(?)")) {
                ps.setArray(1, c.createArrayOf("text", sides.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        switch (rs.getString(2)) {
                            case "COMMITTED" -> resolve(rs.getString(1), rs.getLong(3), rs.getString(4), rs.getString(5),
                                    rs.getTimestamp(6).toInstant());
                            case "ABORTED" -> resolve(rs.getString(1), -1, null, null, null);
                            default -> { } // still in flight in the read store: later
                        }
                    }
                }
            }
        }
        List<StaleCommit> commits = staleCommits(nowNs, 100);
        if (!commits.isEmpty()) {
            // by the runs' index on (participant, currency, from_at): a side is recorded after its commit and, to have
            // been applied before the audit started, before that; give or take the clocks of the processes
            try (PreparedStatement ps = c.prepareStatement("select count(*) filter (where r.participant = ? and c.cause = "
                    + "'PayerFundsCommitted'), count(*) filter (where r.participant = ? and c.cause = 'PayeeFundsCommitted')"
                    + ReadModel.positionChangesFrom(schema) + " and r.participant in (?, ?) and r.currency = ? "
                    + "and c.changed_at >= ? and c.changed_at <= ? and c.transfer_id = ?")) {
                for (StaleCommit s : commits) {
                    Timestamp lower = Timestamp.from(s.committedAt().minus(CLOCK_SKEW_MAX));
                    Timestamp upper = Timestamp.from(startedAt.plus(CLOCK_SKEW_MAX));
                    ps.setString(1, s.payer());
                    ps.setString(2, s.payee());
                    ps.setTimestamp(3, lower);
                    ps.setTimestamp(4, upper);
                    ps.setTimestamp(5, lower);
                    ps.setString(6, s.payer());
                    ps.setString(7, s.payee());
                    ps.setString(8, s.currency());
                    ps.setTimestamp(9, lower);
                    ps.setTimestamp(10, upper);
                    ps.setString(11, s.transferId());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        resolveSides(s.transferId(), rs.getInt(1), rs.getInt(2));
                    }
                }
            }
        }
        synchronized (this) {
            recount(nowNs);
        }
    }

    private boolean firstTime(ReadModel.Event e) {
        String stream = e.metadata().getStreamId();
        long version = e.metadata().getVersion();
        Long before = streamVersions.get(stream);
        if (before != null && version <= before) {
            return false;
        }
        streamVersions.put(stream, version);
        return true;
    }

    private void anchor(TransferCommitted t, Instant recordedAt, long nowNs) {
        if (closed.containsKey(t.getTransferId())) {
            return;
        }
        Commit c = open.computeIfAbsent(t.getTransferId(), id -> new Commit(nowNs));
        if (c.anchoredAmount < 0) {
            c.anchoredAmount = t.getAmountMinor();
            c.currency = t.getCurrency();
            c.payer = t.getPayerFsp();
            c.payee = t.getPayeeFsp();
            c.committedAt = recordedAt;
            settle(t.getTransferId(), c);
        }
    }

    private void side(String transferId, String currency, long amount, boolean payer, long nowNs) {
        if (closed.containsKey(transferId)) {
            problem((payer ? "payer" : "payee") + " side of transfer " + transferId + " applied again", currency,
                    payer ? -amount : amount);
            doubled++;
            return;
        }
        Commit c = open.computeIfAbsent(transferId, id -> new Commit(nowNs));
        c.currency = currency;
        if (payer) {
            c.payerSides++;
            c.payerAmount += amount;
        } else {
            c.payeeSides++;
            c.payeeAmount += amount;
        }
        settle(transferId, c);
    }

    /** A commit both of whose sides came, each once, closes; one with a side twice or of another amount is a problem. */
    private void settle(String transferId, Commit c) {
        if (c.anchoredAmount < 0) {
            return;
        }
        boolean bothCame = c.payerSides >= 1 && c.payeeSides >= 1;
        if (c.complete() && c.payerAmount == c.anchoredAmount && c.payeeAmount == c.anchoredAmount) {
            open.remove(transferId);
            closed.put(transferId, Boolean.TRUE);
        } else if (c.payerSides > 1 || c.payeeSides > 1 || (bothCame && (c.payerAmount != c.anchoredAmount
                || c.payeeAmount != c.anchoredAmount))) {
            problem("transfer " + transferId + " committed " + c.anchoredAmount + " moved " + c.payerAmount
                    + " from its payer (" + c.payerSides + " times) and " + c.payeeAmount + " to its payee ("
                    + c.payeeSides + " times)", c.currency, c.payeeAmount - c.payerAmount);
            doubled++;
            open.remove(transferId);
            closed.put(transferId, Boolean.TRUE);
        }
    }

    private void position(String participant, String currency, long after, long moved, String transferId) {
        Long before = positions.put(participant + '\u0000' + currency, after);
        if (before != null && before + moved != after) {
            positionMismatches++;
            problem(participant + " " + currency + " position " + before + " moved by " + moved + " for " + transferId
                    + " became " + after, currency, 0);
        }
    }

    private void problem(String what, String currency, long created) {
        if (firstProblem == null) {
            firstProblem = what;
        }
        if (created != 0 && imbalance.merge(currency, created, Long::sum) == created) {
            exportCurrency(currency); // the currency's first problem: its series appears
        }
    }

    /** Transfers whose commit was seen and whose sides are still open. */
    synchronized long inFlight() {
        return open.values().stream().filter(c -> c.anchoredAmount >= 0).count();
    }
}
