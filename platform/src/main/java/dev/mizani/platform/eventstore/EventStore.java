package dev.mizani.platform.eventstore;

import dev.mizani.schemas.wire.AvroWireCodec;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Appends and reads event streams in PostgreSQL. Every write takes the caller's connection so that
 * events, snapshots and consumer offsets commit in one transaction. Batches go to the server as
 * arrays in one statement ({@code unnest}), one round trip however many events.
 */
public final class EventStore {
    private static final String UNIQUE_VIOLATION = "23505";

    private static final String APPEND = """
            insert into events (stream_id, version, event_type, schema_id, payload, event_id,
                                correlation_id, causation_id, recorded_at)
            select s, v, t, sid, p, e::uuid, c, ca, to_timestamp(r / 1000.0)
              from unnest(?::text[], ?::bigint[], ?::text[], ?::integer[], ?::bytea[], ?::text[],
                          ?::text[], ?::text[], ?::bigint[]) as u(s, v, t, sid, p, e, c, ca, r)
            returning global_position""";

    private static final String APPEND_DERIVED_COMMANDS = """
            insert into derived_commands (source_position, command_id, stream_id, version)
            select * from unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[])""";

    private static final String SAVE_SNAPSHOTS = """
            insert into snapshots (stream_id, version, state, taken_at)
            select s, v, st, now() from unnest(?::text[], ?::bigint[], ?::bytea[]) as u(s, v, st)
            on conflict (stream_id) do update
               set version = excluded.version, state = excluded.state, taken_at = excluded.taken_at
             where snapshots.version < excluded.version""";

    // Latest snapshot and the events after it, for many streams, in one round trip.
    private static final String LOAD = """
            with wanted as (select unnest(?::text[]) as stream_id),
                 snap as (select s.stream_id, s.version, s.state
                            from snapshots s join wanted w on w.stream_id = s.stream_id)
            select 0 as kind, stream_id, version, state as bytes, null::bigint as pos, null::text as event_type,
                   null::uuid as event_id, null::text as correlation_id, null::text as causation_id,
                   null::timestamptz as recorded_at
              from snap
            union all
            select 1, e.stream_id, e.version, e.payload, e.global_position, e.event_type, e.event_id,
                   e.correlation_id, e.causation_id, e.recorded_at
              from events e join wanted w on w.stream_id = e.stream_id
              left join snap on snap.stream_id = e.stream_id
             where e.version > coalesce(snap.version, 0)
             order by 2, 3, 1""";

    private static final String COLUMNS = "global_position, stream_id, version, event_type, schema_id, payload, "
            + "event_id, correlation_id, causation_id, recorded_at";
    private static final int COLUMN_COUNT = 10;
    /** {@link #COLUMNS} of the events table under the alias {@code e}. */
    private static final String E_COLUMNS = "e." + COLUMNS.replace(", ", ", e.");

    private final DataSource dataSource;
    /** The bound V8 recorded and the lookup built on it, read together once so no caller sees one without the other. */
    private record KeyedLookup(long keyedFrom, String query) {}

    private volatile KeyedLookup keyedLookup;

    public EventStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * Appends events of any number of streams within the caller's transaction and returns their global
     * positions. A version already present means another writer won: {@link ConcurrencyConflictException},
     * and the caller must roll back.
     */
    public long[] append(Connection c, List<NewEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return new long[0];
        }
        int n = events.size();
        String[] streams = new String[n];
        Long[] versions = new Long[n];
        String[] types = new String[n];
        Integer[] schemaIds = new Integer[n];
        byte[][] payloads = new byte[n][];
        String[] eventIds = new String[n]; // as text: the driver sends text[] in binary, a uuid[] as text to parse
        String[] correlations = new String[n];
        String[] causations = new String[n];
        Long[] recordedMs = new Long[n];
        for (int i = 0; i < n; i++) {
            NewEvent e = events.get(i);
            streams[i] = e.streamId();
            versions[i] = e.version();
            types[i] = e.eventType();
            schemaIds[i] = AvroWireCodec.schemaId(e.payload());
            payloads[i] = e.payload();
            eventIds[i] = e.eventId().toString();
            correlations[i] = e.correlationId();
            causations[i] = e.causationId();
            recordedMs[i] = e.recordedAt().toEpochMilli();
        }
        long[] positions = new long[n];
        try (PreparedStatement ps = c.prepareStatement(APPEND)) {
            ps.setArray(1, c.createArrayOf("text", streams));
            ps.setArray(2, c.createArrayOf("bigint", versions));
            ps.setArray(3, c.createArrayOf("text", types));
            ps.setArray(4, c.createArrayOf("integer", schemaIds));
            ps.setArray(5, c.createArrayOf("bytea", payloads));
            ps.setArray(6, c.createArrayOf("text", eventIds));
            ps.setArray(7, c.createArrayOf("text", correlations));
            ps.setArray(8, c.createArrayOf("text", causations));
            ps.setArray(9, c.createArrayOf("bigint", recordedMs));
            try (ResultSet rs = ps.executeQuery()) {
                for (int i = 0; rs.next(); i++) {
                    positions[i] = rs.getLong(1);
                }
            }
            appendDerivedCommands(c, events);
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new ConcurrencyConflictException("stream version already written by another writer: "
                        + e.getMessage(), e);
            }
            throw e;
        }
        return positions;
    }

    /** The derived commands the events name, each beside its event: what {@link #causedBy} finds them by. */
    private static void appendDerivedCommands(Connection c, List<NewEvent> events) throws SQLException {
        List<Long> sources = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        List<String> streams = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        for (NewEvent e : events) {
            for (NewEvent.DerivedCommand command : e.derivedCommands()) {
                sources.add(command.sourcePosition());
                commands.add(command.commandId());
                streams.add(e.streamId());
                versions.add(e.version());
            }
        }
        if (commands.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(APPEND_DERIVED_COMMANDS)) {
            ps.setArray(1, c.createArrayOf("bigint", sources.toArray(Long[]::new)));
            ps.setArray(2, c.createArrayOf("text", commands.toArray(String[]::new)));
            ps.setArray(3, c.createArrayOf("text", streams.toArray(String[]::new)));
            ps.setArray(4, c.createArrayOf("bigint", versions.toArray(Long[]::new)));
            ps.executeUpdate();
        }
    }

    /**
     * Appends to one stream in its own transaction, checking that the stream is at {@code expectedVersion}
     * first (0 for a new stream).
     */
    public long[] append(String streamId, long expectedVersion, List<NewEvent> events) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long current = currentVersion(c, streamId);
                if (current != expectedVersion) {
                    throw new ConcurrencyConflictException("stream " + streamId + " is at version " + current
                            + ", expected " + expectedVersion, null);
                }
                for (int i = 0; i < events.size(); i++) {
                    NewEvent e = events.get(i);
                    if (!e.streamId().equals(streamId) || e.version() != expectedVersion + i + 1) {
                        throw new IllegalArgumentException("event " + i + " is " + e.streamId() + "@" + e.version()
                                + ", expected " + streamId + "@" + (expectedVersion + i + 1));
                    }
                }
                long[] positions = append(c, events);
                c.commit();
                return positions;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public long currentVersion(Connection c, String streamId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select coalesce(max(version), 0) from events where stream_id = ?")) {
            ps.setString(1, streamId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Upserts snapshots; an older snapshot never replaces a newer one. At most one per stream per call. */
    public void saveSnapshots(Connection c, Collection<Snapshot> snapshots) throws SQLException {
        if (snapshots.isEmpty()) {
            return;
        }
        int n = snapshots.size();
        String[] streams = new String[n];
        Long[] versions = new Long[n];
        byte[][] states = new byte[n][];
        int i = 0;
        for (Snapshot s : snapshots) {
            streams[i] = s.streamId();
            versions[i] = s.version();
            states[i++] = s.state();
        }
        try (PreparedStatement ps = c.prepareStatement(SAVE_SNAPSHOTS)) {
            ps.setArray(1, c.createArrayOf("text", streams));
            ps.setArray(2, c.createArrayOf("bigint", versions));
            ps.setArray(3, c.createArrayOf("bytea", states));
            ps.executeUpdate();
        }
    }

    /** Latest snapshot plus tail of each stream, in one query. Streams with neither come back empty. */
    public Map<String, LoadedStream> load(Connection c, Collection<String> streamIds) throws SQLException {
        Map<String, Snapshot> snapshots = new LinkedHashMap<>();
        Map<String, List<StoredEvent>> tails = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(LOAD)) {
            ps.setArray(1, c.createArrayOf("text", streamIds.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String stream = rs.getString(2);
                    if (rs.getInt(1) == 0) {
                        snapshots.put(stream, new Snapshot(stream, rs.getLong(3), rs.getBytes(4)));
                    } else {
                        tails.computeIfAbsent(stream, s -> new ArrayList<>()).add(new StoredEvent(
                                rs.getLong(5), stream, rs.getLong(3), rs.getString(6),
                                AvroWireCodec.schemaId(rs.getBytes(4)), rs.getBytes(4), rs.getObject(7, UUID.class),
                                rs.getString(8), rs.getString(9), rs.getTimestamp(10).toInstant()));
                    }
                }
            }
        }
        Map<String, LoadedStream> loaded = new LinkedHashMap<>();
        for (String id : streamIds) {
            loaded.put(id, new LoadedStream(id, snapshots.get(id), tails.getOrDefault(id, List.of())));
        }
        return loaded;
    }

    public Map<String, LoadedStream> load(Collection<String> streamIds) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return load(c, streamIds);
        }
    }

    /**
     * The lookup of {@link #causedBy} for a store whose derived commands are keyed from {@code keyedFrom} on. Its first
     * half looks derived command ids only up (those with a ':', the only ones that can repeat) among the events stored
     * before that position, repeating the partial causation index's predicate (V5, V8) with the same literal bound:
     * without it PostgreSQL cannot use that index and scans the whole stream for each pair, which grew with every
     * event of a hot participant's stream until the participants handler fell to a hundred commands a second under
     * load. The index is a hash of the command id alone; the stream id is compared on the rows it finds. Its second
     * half reads the keys of {@code derived_commands} and the events they name.
     */
    static String causedByQuery(long keyedFrom) {
        return "select " + E_COLUMNS + ", e.causation_id from events e"
                + " join unnest(?::text[], ?::text[]) as w(s, c) on e.stream_id = w.s and e.causation_id = w.c"
                + " and position(':' in e.causation_id) > 0 and e.global_position < " + keyedFrom
                + " union all select " + E_COLUMNS + ", p.command_id from derived_commands p"
                + " join unnest(?::bigint[], ?::text[], ?::text[]) as w(sp, s, c)"
                + " on p.source_position = w.sp and p.command_id = w.c and p.stream_id = w.s"
                + " join events e on e.stream_id = p.stream_id and e.version = p.version"
                + " order by global_position";
    }

    /**
     * The first store position from which every applied derived command is keyed in {@code derived_commands} (V8),
     * read once: it is fixed when the store is migrated.
     */
    public long keyedFrom(Connection c) throws SQLException {
        return keyedLookup(c).keyedFrom();
    }

    private KeyedLookup keyedLookup(Connection c) throws SQLException {
        KeyedLookup known = keyedLookup;
        if (known != null) {
            return known;
        }
        try (PreparedStatement ps = c.prepareStatement("select position from derived_commands_keyed_from");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("derived_commands_keyed_from is empty: the store was not migrated");
            }
            long from = rs.getLong(1);
            known = new KeyedLookup(from, causedByQuery(from));
            keyedLookup = known;
            return known;
        }
    }

    /**
     * The stored events each (stream, derived command id) pair caused, for the pairs that have any: the outcome of
     * commands already applied. One query for the whole batch, an index lookup per key probed. A command derived from
     * an event at or after {@link #keyedFrom} is probed by its one key; an older one, which a build before V8 may
     * have applied, also by the causation of the events stored before that point and by its key under no position
     * (first applied from a record that named none, it may come back on a republished record that names one).
     */
    public Map<String, List<StoredEvent>> causedBy(Connection c, List<String> streamIds, List<String> commandIds,
                                                   List<Long> sourcePositions) throws SQLException {
        Map<String, List<StoredEvent>> caused = new LinkedHashMap<>();
        if (streamIds.isEmpty()) {
            return caused;
        }
        KeyedLookup lookup = keyedLookup(c);
        long from = lookup.keyedFrom();
        List<String> oldStreams = new ArrayList<>();
        List<String> oldCommands = new ArrayList<>();
        List<Long> probeSources = new ArrayList<>();
        List<String> probeStreams = new ArrayList<>();
        List<String> probeCommands = new ArrayList<>();
        for (int i = 0; i < commandIds.size(); i++) {
            long source = sourcePositions.get(i);
            if (source < from) {
                oldStreams.add(streamIds.get(i));
                oldCommands.add(commandIds.get(i));
                if (source != EventPositions.NONE) {
                    probeSources.add(EventPositions.NONE);
                    probeStreams.add(streamIds.get(i));
                    probeCommands.add(commandIds.get(i));
                }
            }
            probeSources.add(source);
            probeStreams.add(streamIds.get(i));
            probeCommands.add(commandIds.get(i));
        }
        try (PreparedStatement ps = c.prepareStatement(lookup.query())) {
            ps.setArray(1, c.createArrayOf("text", oldStreams.toArray(String[]::new)));
            ps.setArray(2, c.createArrayOf("text", oldCommands.toArray(String[]::new)));
            ps.setArray(3, c.createArrayOf("bigint", probeSources.toArray(Long[]::new)));
            ps.setArray(4, c.createArrayOf("text", probeStreams.toArray(String[]::new)));
            ps.setArray(5, c.createArrayOf("text", probeCommands.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StoredEvent e = readEvent(rs);
                    String command = rs.getString(COLUMN_COUNT + 1);
                    caused.computeIfAbsent(commandKey(e.streamId(), command), k -> new ArrayList<>()).add(e);
                }
            }
        }
        return caused;
    }

    /** The key {@link #causedBy} answers under. */
    public static String commandKey(String streamId, String commandId) {
        return streamId + '\u0000' + commandId;
    }

    /** Every event of a stream from version 1, ignoring snapshots: the reference a snapshot is checked against. */
    public List<StoredEvent> readStream(String streamId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "select " + COLUMNS + " from events where stream_id = ? order by version")) {
            ps.setString(1, streamId);
            return readEvents(ps);
        }
    }

    /** Events read per round trip by {@link #forEachInStreams}: memory stays bounded however long the streams. */
    private static final int PAGE_EVENTS = 10_000;

    /**
     * Every event of the streams whose id starts with {@code prefix}, stream by stream in version order, paged by
     * (stream id, version) on the table's unique index: how a view that folds a context's streams starts from the
     * system of record rather than from a topic whose retention may have dropped the oldest events.
     */
    public void forEachInStreams(String prefix, java.util.function.Consumer<StoredEvent> each) throws SQLException {
        String upper = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        String afterStream = prefix;
        long afterVersion = 0;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from events"
                     + " where (stream_id, version) > (?, ?) and stream_id < ? order by stream_id, version limit ?")) {
            while (true) {
                ps.setString(1, afterStream);
                ps.setLong(2, afterVersion);
                ps.setString(3, upper);
                ps.setInt(4, PAGE_EVENTS);
                List<StoredEvent> page = readEvents(ps);
                for (StoredEvent e : page) {
                    each.accept(e);
                }
                if (page.size() < PAGE_EVENTS) {
                    return;
                }
                afterStream = page.getLast().streamId();
                afterVersion = page.getLast().version();
            }
        }
    }

    public List<StoredEvent> readByPositions(Connection c, long[] positions) throws SQLException {
        Long[] boxed = new Long[positions.length];
        for (int i = 0; i < positions.length; i++) {
            boxed[i] = positions[i];
        }
        try (PreparedStatement ps = c.prepareStatement(
                "select " + COLUMNS + " from events where global_position = any(?) order by global_position")) {
            Array array = c.createArrayOf("bigint", boxed);
            ps.setArray(1, array);
            return readEvents(ps);
        }
    }

    private static List<StoredEvent> readEvents(PreparedStatement ps) throws SQLException {
        List<StoredEvent> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(readEvent(rs));
            }
        }
        return out;
    }

    /** The event in the current row's first {@value #COLUMN_COUNT} columns ({@link #COLUMNS}). */
    private static StoredEvent readEvent(ResultSet rs) throws SQLException {
        Timestamp recorded = rs.getTimestamp(10);
        return new StoredEvent(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getInt(5),
                rs.getBytes(6), rs.getObject(7, UUID.class), rs.getString(8), rs.getString(9), recorded.toInstant());
    }
}
