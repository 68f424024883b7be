package dev.mizani.loadtest.bench;

import dev.mizani.embedded.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the participants handler's rows cost PostgreSQL per transfer, against the storage designs issue 26 weighs
 * (docs/decisions/012-idempotency-from-state.md). Each transfer asks three commands of the participants handler
 * (reserve, commit the payer, commit the payee); a batch holds {@value #TRANSFERS} transfers among {@value #DFSPS}
 * participants and is appended in one committed transaction, as the command loop does. Designs:
 * <ul>
 *   <li>{@code row-per-fact}: one event row per command (now), each with the command id under the hash index, and
 *       the loop's lookup of the batch's command ids before it decides;</li>
 *   <li>{@code row-per-fact-unkeyed}: the same rows without the command-id index and lookup;</li>
 *   <li>{@code row-per-fact-seqkey}: the same rows without the command-id index, and a narrow row per command keyed
 *       as in {@code row-per-batch-seqkey} below, looked up first;</li>
 *   <li>{@code row-per-batch-keyed}: one event row per participant per batch listing its changes, and a narrow
 *       row per command id (primary key) for the lookup;</li>
 *   <li>{@code row-per-batch-seqkey}: one event row per participant per batch, and a narrow row per command keyed by
 *       the store position of the transfer event it was derived from (and its kind): keys that grow as the event
 *       store does, so their index is written at its right edge instead of at random pages;</li>
 *   <li>{@code row-per-batch}: one event row per participant per batch, no row or key per command.</li>
 * </ul>
 * A fresh embedded PostgreSQL (the hub's own binaries and settings), each design on fresh tables, the designs
 * alternated for {@code rounds}; prints each design's median server CPU (the backend's, from /proc: Linux only), WAL
 * and wall time per transfer. Usage: {@code [rounds] [batches]}.
 */
public final class ParticipantRowsBenchmark {
    private static final int DFSPS = 10;
    private static final int TRANSFERS = 200;
    private static final String[] KINDS = {"reserve", "commit-payer", "commit-payee"};
    private static final List<String> DESIGNS = List.of("row-per-fact", "row-per-fact-unkeyed", "row-per-fact-seqkey",
            "row-per-batch-keyed",
            "row-per-batch-seqkey", "row-per-batch");

    private final Random random = new Random(7);

    private ParticipantRowsBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int batches = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        Path dir = Files.createTempDirectory("mizani-rows-");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir.resolve("postgres"), 0, Map.of())) {
            Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "bench-stop"));
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            ParticipantRowsBenchmark bench = new ParticipantRowsBenchmark();
            for (int round = 0; round <= rounds; round++) { // round 0 warms the JIT and the server; not reported
                for (String design : DESIGNS) {
                    double[] r = bench.run(pg.jdbcUrl("postgres"), design, batches);
                    System.out.printf("round %d %-22s server CPU %5.1f us  WAL %,6.0f B  wall %5.1f us per transfer%n",
                            round, design, r[0], r[1], r[2]);
                    if (round > 0) {
                        results.computeIfAbsent(design, d -> new ArrayList<>()).add(r);
                    }
                }
            }
            System.out.printf("%nmedians of %d rounds, %d batches of %d transfers each:%n", rounds, batches, TRANSFERS);
            results.forEach((design, rs) -> System.out.printf("%-22s server CPU %5.1f us  WAL %,6.0f B  wall %5.1f us per transfer%n",
                    design, ServerCost.median(rs, 0), ServerCost.median(rs, 1), ServerCost.median(rs, 2)));
        }
    }

    /** Server CPU (us), WAL (bytes) and wall time (us) per transfer. */
    private double[] run(String url, String design, int batches) throws Exception {
        boolean perFact = design.startsWith("row-per-fact");
        boolean keyed = design.equals("row-per-fact") || design.equals("row-per-batch-keyed");
        boolean seqKeyed = design.endsWith("-seqkey");
        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.USER, "")) {
            create(c, design);
            c.setAutoCommit(false);
            long[] versions = new long[DFSPS];
            long sourcePosition = 0; // the transfer events' store positions, which the derived commands carry
            ServerCost cost = new ServerCost(c);
            long t0 = System.nanoTime();
            for (int b = 0; b < batches; b++) {
                Rows events = new Rows();
                List<String> commandIds = new ArrayList<>();
                List<String> commandStreams = new ArrayList<>();
                List<Long> sourcePositions = new ArrayList<>();
                List<Short> sourceKinds = new ArrayList<>();
                List<Long> factVersions = new ArrayList<>();
                Map<Integer, Integer> changes = new TreeMap<>();
                for (int t = 0; t < TRANSFERS; t++) {
                    String transferId = UUID.randomUUID().toString();
                    int payer = random.nextInt(DFSPS);
                    int payee = (payer + 1 + random.nextInt(DFSPS - 1)) % DFSPS;
                    // a reservation comes from the transfer's prepare, both commits from its commit: two events, and
                    // the transfer's own reservation event between them
                    long prepared = sourcePosition + 1, committed = sourcePosition + 3;
                    sourcePosition += 3;
                    for (short k = 0; k < KINDS.length; k++) {
                        String kind = KINDS[k];
                        sourcePositions.add(k == 0 ? prepared : committed);
                        sourceKinds.add(k);
                        int p = kind.equals("commit-payee") ? payee : payer;
                        String commandId = kind + ":" + transferId;
                        commandIds.add(commandId);
                        commandStreams.add("participant-dfsp" + p);
                        if (perFact) { // an event of a participant's Avro size
                            factVersions.add(++versions[p]);
                            events.add("participant-dfsp" + p, versions[p], kind, bytes(220), transferId, commandId);
                        } else {
                            changes.merge(p, 1, Integer::sum);
                        }
                    }
                }
                Long[] commandVersions = perFact ? factVersions.toArray(Long[]::new) : new Long[commandIds.size()];
                if (!perFact) { // one event per participant listing its changes: about 90 bytes each
                    for (Map.Entry<Integer, Integer> e : changes.entrySet()) {
                        int p = e.getKey();
                        events.add("participant-dfsp" + p, ++versions[p], "PositionsMoved", bytes(40 + 90 * e.getValue()),
                                "batch", "batch-" + b);
                    }
                    for (int i = 0; i < commandIds.size(); i++) {
                        commandVersions[i] = versions[Integer.parseInt(commandStreams.get(i).substring(16))];
                    }
                }
                if (keyed) {
                    lookUp(c, perFact, commandIds);
                }
                if (seqKeyed) {
                    lookUpBySource(c, sourcePositions, sourceKinds);
                }
                events.append(c);
                if (keyed && !perFact) {
                    try (PreparedStatement ps = c.prepareStatement("insert into applied_commands (command_id, stream_id, version) "
                            + "select * from unnest(?::text[], ?::text[], ?::bigint[])")) {
                        ps.setArray(1, c.createArrayOf("text", commandIds.toArray(String[]::new)));
                        ps.setArray(2, c.createArrayOf("text", commandStreams.toArray(String[]::new)));
                        ps.setArray(3, c.createArrayOf("bigint", commandVersions));
                        ps.executeUpdate();
                    }
                }
                if (seqKeyed) {
                    try (PreparedStatement ps = c.prepareStatement("insert into applied_derived (source_position, kind, "
                            + "stream_id, version) select * from unnest(?::bigint[], ?::smallint[], ?::text[], ?::bigint[])")) {
                        ps.setArray(1, c.createArrayOf("bigint", sourcePositions.toArray(Long[]::new)));
                        ps.setArray(2, c.createArrayOf("smallint", sourceKinds.toArray(Short[]::new)));
                        ps.setArray(3, c.createArrayOf("text", commandStreams.toArray(String[]::new)));
                        ps.setArray(4, c.createArrayOf("bigint", commandVersions));
                        ps.executeUpdate();
                    }
                }
                c.commit();
            }
            double transfers = (double) batches * TRANSFERS;
            double wallUs = (System.nanoTime() - t0) / 1e3 / transfers;
            double[] server = cost.per(transfers);
            return new double[] {server[0], server[1], wallUs};
        }
    }

    private static void create(Connection c, String design) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("drop table if exists events, applied_commands, applied_derived");
            // the hub's event store (platform migrations V1, V4, V5), autovacuum off so no pass lands in one design only
            s.execute("""
                    create table events (
                        global_position bigint generated always as identity primary key,
                        stream_id text collate "C" not null, version bigint not null, event_type text not null,
                        schema_id integer not null, payload bytea not null, event_id uuid not null,
                        correlation_id text not null, causation_id text collate "C", recorded_at timestamptz not null,
                        constraint events_stream_version unique (stream_id, version))
                    with (autovacuum_enabled = false)""");
            if (design.equals("row-per-fact")) {
                s.execute("create index events_derived_causation on events using hash (causation_id) "
                        + "where position(':' in causation_id) > 0");
            }
            if (design.startsWith("row-per-batch")) { // a batch's event is kept inline and uncompressed up to a page
                s.execute("alter table events set (toast_tuple_target = 8160)");
                s.execute("alter table events alter column payload set storage external");
            }
            if (design.equals("row-per-batch-keyed")) {
                s.execute("""
                        create table applied_commands (command_id text collate "C" primary key,
                            stream_id text collate "C" not null, version bigint not null)
                        with (autovacuum_enabled = false)""");
            }
            if (design.endsWith("-seqkey")) {
                s.execute("""
                        create table applied_derived (source_position bigint not null, kind smallint not null,
                            stream_id text collate "C" not null, version bigint not null,
                            primary key (source_position, kind))
                        with (autovacuum_enabled = false)""");
            }
            s.execute("checkpoint");
        }
    }

    /** The same question, asked by the positions of the transfer events the commands were derived from. */
    private static void lookUpBySource(Connection c, List<Long> positions, List<Short> kinds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select d.stream_id from applied_derived d "
                + "join unnest(?::bigint[], ?::smallint[]) as u(p, k) on d.source_position = u.p and d.kind = u.k")) {
            ps.setArray(1, c.createArrayOf("bigint", positions.toArray(Long[]::new)));
            ps.setArray(2, c.createArrayOf("smallint", kinds.toArray(Short[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new IllegalStateException("a fresh command was found applied: " + rs.getString(1));
                }
            }
        }
    }

    /** The command loop's question before it decides: which of these derived commands were applied already? */
    private static void lookUp(Connection c, boolean inEvents, List<String> commandIds) throws SQLException {
        String sql = inEvents
                ? "select stream_id from events where causation_id = any(?::text[]) and position(':' in causation_id) > 0"
                : "select stream_id from applied_commands where command_id = any(?::text[])";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", commandIds.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new IllegalStateException("a fresh command id was found applied: " + rs.getString(1));
                }
            }
        }
    }

    /** A batch's event rows, appended with the event store's own statement. */
    private final class Rows {
        final List<String> streams = new ArrayList<>();
        final List<Long> versions = new ArrayList<>();
        final List<String> types = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();
        final List<UUID> ids = new ArrayList<>();
        final List<String> correlations = new ArrayList<>();
        final List<String> causations = new ArrayList<>();

        void add(String stream, long version, String type, byte[] payload, String correlation, String causation) {
            streams.add(stream);
            versions.add(version);
            types.add(type);
            payloads.add(payload);
            ids.add(UUID.randomUUID());
            correlations.add(correlation);
            causations.add(causation);
        }

        void append(Connection c) throws SQLException {
            int n = streams.size();
            Integer[] schemaIds = new Integer[n];
            Long[] recorded = new Long[n];
            java.util.Arrays.fill(schemaIds, 7);
            java.util.Arrays.fill(recorded, System.currentTimeMillis());
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into events (stream_id, version, event_type, schema_id, payload, event_id,
                                        correlation_id, causation_id, recorded_at)
                    select s, v, t, sid, p, e, c, ca, to_timestamp(r / 1000.0)
                      from unnest(?::text[], ?::bigint[], ?::text[], ?::integer[], ?::bytea[], ?::uuid[],
                                  ?::text[], ?::text[], ?::bigint[]) as u(s, v, t, sid, p, e, c, ca, r)
                    returning global_position""")) {
                ps.setArray(1, c.createArrayOf("text", streams.toArray(String[]::new)));
                ps.setArray(2, c.createArrayOf("bigint", versions.toArray(Long[]::new)));
                ps.setArray(3, c.createArrayOf("text", types.toArray(String[]::new)));
                ps.setArray(4, c.createArrayOf("integer", schemaIds));
                ps.setArray(5, c.createArrayOf("bytea", payloads.toArray(byte[][]::new)));
                ps.setArray(6, c.createArrayOf("uuid", ids.toArray(UUID[]::new)));
                ps.setArray(7, c.createArrayOf("text", correlations.toArray(String[]::new)));
                ps.setArray(8, c.createArrayOf("text", causations.toArray(String[]::new)));
                ps.setArray(9, c.createArrayOf("bigint", recorded));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rs.getLong(1);
                    }
                }
            }
        }
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

}
