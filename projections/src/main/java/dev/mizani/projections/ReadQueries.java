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

    public ReadQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<TransferView> transfer(String transferId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select " + TRANSFER_COLUMNS + " from read.transfers where transfer_id = ?")) {
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
        String sql = "select * from ((select " + TRANSFER_COLUMNS + " from read.transfers where payer_fsp = ? and" + range
                + " and (?::text is null or payee_fsp = ?) order by prepared_at, transfer_id limit ?) union all (select "
                + TRANSFER_COLUMNS + " from read.transfers where payee_fsp = ? and" + range
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
                     + "from read.positions where participant = ? order by currency")) {
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

    /** Position changes in [from, to), in order, a page after the change numbered {@code afterVersion}. */
    public List<PositionChangeView> positionHistory(String participant, String currency, Instant from, Instant to,
                                                    long afterVersion, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select version, currency, changed_at, cause, transfer_id, "
                     + "position_minor, reserved_minor, liquidity_cover_minor from read.position_changes "
                     + "where participant = ? and currency = ? and changed_at >= ? and changed_at < ? and version > ? "
                     + "order by changed_at, version limit ?")) {
            ps.setString(1, participant);
            ps.setString(2, currency);
            ps.setTimestamp(3, Timestamp.from(from));
            ps.setTimestamp(4, Timestamp.from(to));
            ps.setLong(5, afterVersion);
            ps.setInt(6, limit);
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
             PreparedStatement ps = c.prepareStatement("select name from read.participants where credential_sha256 = ?")) {
            ps.setString(1, credentialSha256);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    public boolean participantExists(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select 1 from read.participants where name = ?")) {
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
