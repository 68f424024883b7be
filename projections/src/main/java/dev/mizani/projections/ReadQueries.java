package dev.mizani.projections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The read store's queries, each one index range on the live table set. */
public final class ReadQueries {
    public record TransferView(String transferId, String payerFsp, String payeeFsp, Long amountMinor, String currency,
                               String state, Integer errorCode, String errorDescription, Instant expiration,
                               Instant preparedAt, Instant reservedAt, Instant committedAt, Instant abortedAt,
                               String fulfilment, Long settlementWindowId, long version) {}

    public record PositionView(String participant, String currency, long positionMinor, long reservedMinor,
                               long netDebitCapMinor, long liquidityCoverMinor, long fundsOutPendingMinor,
                               long headroomMinor, Instant changedAt) {}

    public record PositionChangeView(long version, String currency, Instant changedAt, String cause, String transferId,
                                     long positionMinor, long reservedMinor, long liquidityCoverMinor) {}

    /** Where a page of a participant's transfers ends: the next page starts after it. */
    public record TransferCursor(Instant preparedAt, String transferId) {}

    /**
     * @param state        FSPIOP transfer state, or null for any
     * @param counterparty the other participant, or null for any
     * @param from         prepared at or after, inclusive
     * @param to           prepared before, exclusive
     */
    public record TransferFilter(String state, String counterparty, Instant from, Instant to, TransferCursor after, int limit) {}

    private static final String TRANSFER_COLUMNS = "transfer_id, payer_fsp, payee_fsp, amount_minor, currency, state, "
            + "error_code, error_description, expiration, prepared_at, reserved_at, committed_at, aborted_at, fulfilment, "
            + "settlement_window_id, version";

    private final DataSource dataSource;
    private final String schema;

    public ReadQueries(DataSource dataSource) {
        this(dataSource, ReadStore.LIVE);
    }

    /** Queries of the table set in {@code schema}: the live one, or a set a test filled. */
    ReadQueries(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.schema = ReadStore.checked(schema);
    }

    public Optional<TransferView> transfer(String transferId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select " + TRANSFER_COLUMNS + " from " + schema + ".transfers where transfer_id = ?")) {
            ps.setString(1, transferId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(transfer(rs)) : Optional.empty();
            }
        }
    }

    /** A participant's transfers as payer or payee, oldest first, a page after the cursor. */
    public List<TransferView> transfersOf(String participant, TransferFilter f) throws SQLException {
        String range = " prepared_at >= ? and prepared_at < ? and (prepared_at, transfer_id) > (?, ?)"
                + " and (?::text is null or state = ?)";
        String sql = "select * from ((select " + TRANSFER_COLUMNS + " from " + schema + ".transfers where payer_fsp = ? and" + range
                + " and (?::text is null or payee_fsp = ?) order by prepared_at, transfer_id limit ?) union all (select "
                + TRANSFER_COLUMNS + " from " + schema + ".transfers where payee_fsp = ? and" + range
                + " and (?::text is null or payer_fsp = ?) and payer_fsp <> payee_fsp order by prepared_at, transfer_id limit ?)) t"
                + " order by prepared_at, transfer_id limit ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            for (int role = 0; role < 2; role++) {
                ps.setString(i++, participant);
                ps.setTimestamp(i++, Timestamp.from(f.from()));
                ps.setTimestamp(i++, Timestamp.from(f.to()));
                ps.setTimestamp(i++, Timestamp.from(f.after() == null ? Instant.EPOCH.minusSeconds(1) : f.after().preparedAt()));
                ps.setString(i++, f.after() == null ? "" : f.after().transferId());
                ps.setString(i++, f.state());
                ps.setString(i++, f.state());
                ps.setString(i++, f.counterparty());
                ps.setString(i++, f.counterparty());
                ps.setInt(i++, f.limit());
            }
            ps.setInt(i, f.limit());
            List<TransferView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(transfer(rs));
                }
            }
            return out;
        }
    }

    public List<PositionView> positions(String participant) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select participant, currency, position_minor, reserved_minor, "
                     + "net_debit_cap_minor, liquidity_cover_minor, funds_out_pending_minor, headroom_minor, changed_at "
                     + "from " + schema + ".positions where participant = ? order by currency")) {
            ps.setString(1, participant);
            List<PositionView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PositionView(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getTimestamp(9).toInstant()));
                }
            }
            return out;
        }
    }

    /**
     * Position changes in [from, to), in the order they happened (their participant's event versions), a page after
     * the change numbered {@code afterVersion}. The runs of a participant's currency hold increasing version ranges:
     * the page starts at the run that holds {@code afterVersion}, so a page costs the same late in a long history.
     */
    public List<PositionChangeView> positionHistory(String participant, String currency, Instant from, Instant to,
                                                    long afterVersion, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select c.version, r.currency, c.changed_at, c.cause, c.transfer_id, "
                     + "c.position_minor, c.reserved_minor, c.liquidity_cover_minor"
                     + ReadModel.positionChangesFrom(schema) + " and r.participant = ? and r.currency = ? "
                     + "and r.first_version >= (select coalesce(max(first_version), 0) from " + schema
                     + ".position_change_runs where participant = ? and currency = ? and first_version <= ?) "
                     + "and c.changed_at >= ? and c.changed_at < ? and c.version > ? order by r.first_version, c.version "
                     + "limit ?")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.setTimestamp(3, Timestamp.from(from));
            ps.setString(4, participant);
            ps.setString(5, currency);
            ps.setString(6, participant);
            ps.setString(7, currency);
            ps.setLong(8, afterVersion);
            ps.setTimestamp(9, Timestamp.from(from));
            ps.setTimestamp(10, Timestamp.from(to));
            ps.setLong(11, afterVersion);
            ps.setInt(12, limit);
            List<PositionChangeView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PositionChangeView(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                            rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getLong(8)));
                }
            }
            return out;
        }
    }

    /** The participant holding this credential (by its SHA-256), if any. */
    public Optional<String> participantWithCredential(String credentialSha256) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select name from " + schema + ".participants where credential_sha256 = ?")) {
            ps.setString(1, credentialSha256);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    public boolean participantExists(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select 1 from " + schema + ".participants where name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static TransferView transfer(ResultSet rs) throws SQLException {
        return new TransferView(rs.getString(1), rs.getString(2), rs.getString(3), (Long) rs.getObject(4), rs.getString(5),
                rs.getString(6), (Integer) rs.getObject(7), rs.getString(8), instant(rs, 9), instant(rs, 10),
                instant(rs, 11), instant(rs, 12), instant(rs, 13), rs.getString(14), (Long) rs.getObject(15), rs.getLong(16));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
