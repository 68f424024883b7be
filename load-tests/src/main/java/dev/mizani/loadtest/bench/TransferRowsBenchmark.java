package dev.mizani.loadtest.bench;

import dev.mizani.embedded.EmbeddedPostgresServer;
import dev.mizani.platform.eventstore.Database;
import dev.mizani.projections.ReadModel;
import dev.mizani.projections.ReadStore;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferPrepareAccepted;
import dev.mizani.schemas.transfer.TransferReserved;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What the read store's transfer rows cost PostgreSQL per transfer, with the projection's own code ({@link ReadModel})
 * on the read store's own migrations, at two fill factors of {@code transfers}: 100 (PostgreSQL's default) and 50 (the
 * migration's), where a row's update finds room on its page and stays there (HOT), touching none of the three
 * indexes. Each poll prepares {@code perPoll} new transfers and, with probability {@code updates}, reserves and
 * commits each of the poll before: one row insert and {@code updates} row updates per transfer, as a poll of 250 ms
 * sees transfers that take longer than one poll (over HTTP about one update per transfer, in core mode about half).
 * Prints each fill factor's median server CPU (the backend's, from /proc: Linux only), client CPU (the thread applying
 * and committing the polls) and WAL per transfer, and the share of updates that were HOT. Usage: {@code [rounds]
 * [polls] [perPoll] [updates]}.
 */
public final class TransferRowsBenchmark {
    private static final String SCHEMA = "bench_rows";
    private static final int DFSPS = 10;
    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

    private final Random random = new Random(3);
    private final Map<String, Long> versions = new java.util.HashMap<>();
    private Instant now = T0;

    private TransferRowsBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int polls = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int perPoll = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        double updates = args.length > 3 ? Double.parseDouble(args[3]) : 1.0;
        Path dir = Files.createTempDirectory("mizani-rows-");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir.resolve("postgres"), 0, Map.of());
             var dataSource = Database.connect(pg.jdbcUrl("postgres"), EmbeddedPostgresServer.USER, "", 4)) {
            Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "bench-stop"));
            Map<Integer, List<double[]>> results = new LinkedHashMap<>();
            for (int round = 0; round <= rounds; round++) { // round 0 warms the JIT and the server; not reported
                for (int fillFactor : new int[] {100, 50}) {
                    double[] r = new TransferRowsBenchmark().run(dataSource, fillFactor, polls, perPoll, updates);
                    System.out.printf("round %d fillfactor %3d  server CPU %5.1f us  client CPU %5.1f us  WAL %,6.0f B per "
                            + "transfer, %3.0f%% of updates HOT%n", round, fillFactor, r[0], r[3], r[1], r[2]);
                    if (round > 0) {
                        results.computeIfAbsent(fillFactor, f -> new ArrayList<>()).add(r);
                    }
                }
            }
            System.out.printf("%nmedians of %d rounds, %d polls of %d transfers, %.2f updates per transfer:%n", rounds,
                    polls, perPoll, updates);
            results.forEach((fillFactor, rs) -> System.out.printf(
                    "fillfactor %3d  server CPU %5.1f us  client CPU %5.1f us  WAL %,6.0f B per transfer, %3.0f%% of updates "
                            + "HOT%n", fillFactor, ServerCost.median(rs, 0), ServerCost.median(rs, 3), ServerCost.median(rs, 1),
                    ServerCost.median(rs, 2)));
        }
    }

    /** Server CPU (us) and WAL (bytes) per transfer, the share of updates that were HOT (%), and client CPU (us). */
    private double[] run(DataSource dataSource, int fillFactor, int polls, int perPoll, double updates) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            ReadStore.drop(c, SCHEMA);
        }
        ReadStore.migrate(dataSource, SCHEMA);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                // autovacuum off, so no pass lands in one case only
                s.execute("alter table " + SCHEMA + ".transfers set (fillfactor = " + fillFactor
                        + ", autovacuum_enabled = false)");
                s.execute("checkpoint");
            }
            ReadModel model = new ReadModel(SCHEMA);
            c.setAutoCommit(false);
            ServerCost cost = new ServerCost(c);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long clientNs = 0;
            List<TransferPrepareAccepted> previous = new ArrayList<>();
            for (int p = 0; p < polls; p++) {
                List<ReadModel.Event> events = new ArrayList<>();
                for (TransferPrepareAccepted t : previous) {
                    if (random.nextDouble() < updates) {
                        String id = t.getTransferId();
                        events.add(event(id, new TransferReserved(id, t.getPayerFsp(), t.getPayeeFsp(), t.getAmountMinor(),
                                "USD", t.getIlpPacket(), t.getCondition(), t.getExpiration(), null)));
                        events.add(event(id, new TransferCommitted(id, t.getPayerFsp(), t.getPayeeFsp(), t.getAmountMinor(),
                                "USD", "fulfilment-" + id, now, "hash", false, null)));
                    }
                }
                previous = new ArrayList<>();
                for (int i = 0; i < perPoll; i++) {
                    String id = UUID.randomUUID().toString();
                    int payer = random.nextInt(DFSPS);
                    int payee = (payer + 1 + random.nextInt(DFSPS - 1)) % DFSPS;
                    TransferPrepareAccepted t = new TransferPrepareAccepted(id, "dfsp-" + payer, "dfsp-" + payee,
                            100L + random.nextInt(9_900), "USD", "ilp-packet", "condition", now.plusSeconds(30), "hash", null);
                    previous.add(t);
                    events.add(event(id, t));
                }
                long started = threads.getCurrentThreadCpuTime();
                model.apply(c, events, null);
                c.commit();
                clientNs += threads.getCurrentThreadCpuTime() - started;
                now = now.plusMillis(250);
            }
            double[] server = cost.per((double) polls * perPoll);
            try (Statement s = c.createStatement()) { // this backend's counts reach the view at its next flush
                s.execute("select pg_stat_force_next_flush()");
            }
            c.commit();
            long[] updated = hotAndAll(c);
            return new double[] {server[0], server[1], updated[1] == 0 ? 0 : 100.0 * updated[0] / updated[1],
                    clientNs / 1e3 / ((double) polls * perPoll)};
        }
    }

    private static long[] hotAndAll(Connection c) throws Exception {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("select n_tup_hot_upd, n_tup_upd from pg_stat_user_tables "
                + "where schemaname = '" + SCHEMA + "' and relname = 'transfers'")) {
            rs.next();
            long[] r = {rs.getLong(1), rs.getLong(2)};
            c.commit();
            return r;
        }
    }

    private ReadModel.Event event(String transferId, Object payload) {
        String stream = "transfer-" + transferId;
        long version = versions.merge(stream, 1L, Long::sum);
        return new ReadModel.Event(Math.floorMod(transferId.hashCode(), 8),
                new EventMetadata(UUID.randomUUID().toString(), stream, version, transferId, null, now), payload);
    }
}
