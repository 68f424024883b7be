package dev.mizani.loadtest.ftps;

import com.sun.management.OperatingSystemMXBean;
import dev.mizani.loadtest.ftps.Flights.Flight;
import dev.mizani.loadtest.ftps.Flights.Plan;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The FTPS load test: simulated DFSPs drive the hub at a constant arrival rate of new transfers, and the run
 * reports completed transfers per second over the measured window, latency from each transfer's intended
 * start, drops, errors by FSPIOP code, and the CPU of hub and generator; then it checks the ledger and fails
 * loudly when a validity gate is broken. See {@link LoadSettings#USAGE} for the arguments.
 */
public final class LoadRun {
    /** Every simulated DFSP's net debit cap and deposited liquidity (USD); ordinary transfers never reach them. */
    static final String NDC = "1000000000";
    static final String LIQUIDITY = "2000000000";
    /** An amount over the NDC and within liquidity: the payer's position refuses it with 4200. */
    private static final String BREACH_AMOUNT = "1500000000";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final LoadSettings s;
    private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final Map<Plan, Long> planned = new LinkedHashMap<>();

    private LoadRun(LoadSettings s) {
        this.s = s;
    }

    public static void main(String[] args) throws Exception {
        LoadSettings s;
        try {
            s = LoadSettings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        boolean passed = new LoadRun(s).run();
        System.exit(passed ? 0 : 1);
    }

    private boolean run() throws Exception {
        if (s.generatorCpus() != null) {
            int rc = new ProcessBuilder("taskset", "-a", "-cp", s.generatorCpus(), Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            System.out.printf("generator pinned to CPUs %s (taskset exit %d)%n", s.generatorCpus(), rc);
        }
        String runId = UUID.randomUUID().toString().substring(0, 4);
        Path out = s.out().resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + s.scenario());
        Files.createDirectories(out);
        HubProcess hub = null;
        try {
            List<String> gateways = s.embedded() ? List.of() : s.gatewayUrls();
            String admin = s.admin();
            String token = s.operatorToken();
            String jdbc = s.jdbcUrl();
            String query = s.queryApi();
            List<String> loopMetrics = query == null ? List.of() : List.of(query);
            if (s.embedded()) {
                System.out.printf("starting the embedded hub (heap %s, %d partitions; log in %s)...%n", s.hubHeap(),
                        s.partitions(), out.resolve("hub/hub.log"));
                hub = HubProcess.start(out.resolve("hub"), s.hubHeap(), s.hubJvmOptions(), s.partitions(),
                        s.mode().equals("http"), s.split() ? "transfers" : "all");
                List<HubProcess> gatewayProcesses = new ArrayList<>();
                HubProcess queryProcess = hub;
                loopMetrics = List.of(hub.query);
                if (s.split()) {
                    System.out.println("starting the participants, projections and query processes...");
                    HubProcess participants = hub.peer(out.resolve("participants"), "participants");
                    hub.peer(out.resolve("projections"), "projections");
                    queryProcess = hub.peer(out.resolve("query"), "query");
                    loopMetrics = List.of(hub.ops, participants.ops);
                } else {
                    gatewayProcesses.add(hub);
                }
                for (int i = 1; i <= s.peers(); i++) {
                    System.out.printf("starting peer process %d (every service)...%n", i);
                    gatewayProcesses.add(hub.peer(out.resolve("peer" + i), "gateway,transfers,participants,projections,query"));
                }
                while (gatewayProcesses.size() < s.gateways() + s.peers()) {
                    System.out.printf("starting gateway process %d...%n", gatewayProcesses.size() + 1);
                    gatewayProcesses.add(hub.peer(out.resolve("gateway" + gatewayProcesses.size()), "gateway"));
                }
                gateways = gatewayProcesses.stream().map(p -> p.gateway).toList();
                admin = gatewayProcesses.getFirst().admin;
                token = hub.operatorToken;
                jdbc = hub.jdbcUrl;
                query = queryProcess.query;
                // for a Prometheus watching the run (docs/benchmarks.md, "The dashboard under load")
                Path tokenFile = out.resolve("hub/operator-token");
                java.nio.file.Files.writeString(tokenFile, token);
                System.out.printf("metrics: %s/metrics, the operator's credential in %s%n", query, tokenFile.toAbsolutePath());
            }
            return load(hub, gateways, admin, token, jdbc, query, loopMetrics, runId, out);
        } finally {
            if (hub != null) {
                System.out.println("stopping the embedded hub...");
                hub.close();
            }
        }
    }

    private boolean load(HubProcess hub, List<String> gateways, String admin, String token, String jdbc, String query,
                         List<String> loopMetrics, String runId, Path out) throws Exception {
        int totalSeconds = s.warmupSeconds() + (s.ramp() ? Ramp.stepsMax(s) * s.stepSeconds() : s.seconds())
                + s.boundSeconds() + 5;
        Flights flights = new Flights(s.boundSeconds() * 1_000_000_000L);
        try (HttpDfsps dfsps = new HttpDfsps(flights, gateways, 1024)) {
            System.out.printf("onboarding %d DFSPs through the admin API...%n", s.dfsps());
            dfsps.onboard(admin, token, s.callbackHost(), s.dfsps(), runId);
            long[][] before = dfsps.positions(admin, token);
            TransferDriver driver = s.mode().equals("core")
                    ? new CoreDriver(flights, hub.kafkaBootstrap, hub.registryUrl, dfsps.names) : dfsps;
            try {
                QueryLoad queries = s.queries() == 0 ? null : new QueryLoad(query, s.queries(), flights, dfsps.names, dfsps.credentials);
                try {
                    return measure(hub, flights, dfsps, driver, queries, new HandlerLoops(loopMetrics, token), admin, token,
                            jdbc, before, out, totalSeconds);
                } finally {
                    if (queries != null) {
                        queries.close();
                    }
                }
            } finally {
                if (driver != dfsps) {
                    driver.close();
                }
            }
        }
    }

    private boolean measure(HubProcess hub, Flights flights, HttpDfsps dfsps, TransferDriver driver,
                            QueryLoad queries, HandlerLoops loops, String admin, String token, String jdbc,
                            long[][] before, Path out, int totalSeconds) throws Exception {
        preflight(flights, driver);

        long startNs = System.nanoTime();
        flights.begin(startNs, totalSeconds);
        long windowStartNs = startNs + s.warmupSeconds() * 1_000_000_000L;
        long windowEndNs = windowStartNs + s.seconds() * 1_000_000_000L;
        if (queries != null) {
            queries.start(startNs, windowStartNs, s.ramp() ? Long.MAX_VALUE : windowEndNs);
        }
        double[] cpu = new double[4];
        List<Map<String, CpuParts.Counter>> cpuParts = new ArrayList<>(List.of(Map.of(), Map.of())); // window start, end
        List<Map<String, Double>> loopReadings = new ArrayList<>(List.of(Map.of(), Map.of())); // the same
        Progress progress = new Progress(flights, hub, os, startNs, s.rate());
        Thread progressThread = Thread.ofPlatform().daemon().name("progress").start(progress);

        Arrivals arrivals = new Arrivals(s.rate(), s.warmupSeconds());
        SplittableRandom random = new SplittableRandom(42);
        Ramp ramp = null;
        if (s.ramp()) {
            long warmupTotal = arrivals.total(0);
            for (long i = 0; i < warmupTotal; i++) {
                long due = startNs + arrivals.offsetNs(i);
                LockSupport.parkNanos(due - System.nanoTime());
                start(flights, driver, random, due, false, -1);
            }
            ramp = new Ramp(s, flights, hub, os);
            ramp.run(windowStartNs, (due, step) -> start(flights, driver, random, due, false, step));
        } else {
            long total = arrivals.total(s.seconds());
            boolean windowOpen = false;
            for (long i = 0; i < total; ) {
                long due = startNs + arrivals.offsetNs(i);
                long now = System.nanoTime();
                if (due > now) {
                    LockSupport.parkNanos(Math.min(due - now, 500_000));
                    continue;
                }
                if (!windowOpen && due >= windowStartNs) {
                    windowOpen = true;
                    cpu[0] = hub == null ? 0 : hub.cpuSeconds();
                    cpu[1] = os.getProcessCpuTime() / 1e9;
                    cpuParts.set(0, hub == null ? Map.of() : hub.cpuSecondsByPart());
                    loopReadings.set(0, loops.read());
                }
                start(flights, driver, random, due, due >= windowStartNs && due < windowEndNs, -1);
                i++;
            }
            LockSupport.parkNanos(Math.max(0, windowEndNs - System.nanoTime()));
            cpu[2] = hub == null ? 0 : hub.cpuSeconds();
            cpu[3] = os.getProcessCpuTime() / 1e9;
            cpuParts.set(1, hub == null ? Map.of() : hub.cpuSecondsByPart());
            loopReadings.set(1, loops.read());
        }
        if (queries != null) {
            queries.close();
        }
        System.out.printf("arrivals done; draining (up to %d s)...%n", s.boundSeconds());
        long drainUntil = System.nanoTime() + s.boundSeconds() * 1_000_000_000L;
        while (!flights.inFlight.isEmpty() && System.nanoTime() < drainUntil) {
            Thread.sleep(100);
        }
        progress.stop();
        progressThread.join();

        Results results = new Results(s, flights, queries, planned, cpu, cpuParts, progress.p99PerSecond,
                progress.inFlightPerSecond,
                HandlerLoops.between(loopReadings.get(0), loopReadings.get(1), s.seconds()));
        Gates gates = new Gates();
        gates.check("every started transfer ended", flights.inFlight.isEmpty(),
                flights.inFlight.size() + " still in flight after the drain");
        gates.check("every transfer ended as planned", flights.unexpectedOutcome.sum() == 0,
                flights.unexpectedOutcome.sum() + " ended otherwise (errors by code: " + results.errors() + ")");
        long reachedPayee = flights.started.sum() - planned.getOrDefault(Plan.NDC_BREACH, 0L) - flights.syncRefused.sum();
        gates.check("each prepare that passed the payer's position was forwarded to the payee once",
                flights.forwardedPrepares.sum() == reachedPayee,
                flights.forwardedPrepares.sum() + " forwarded, " + reachedPayee + " expected");
        gates.check("one commit for each fulfil sent", flights.committed.sum()
                        == planned.getOrDefault(Plan.FULFIL, 0L) + s.dfsps() - flights.syncRefused.sum(),
                flights.committed.sum() + " commits for " + planned.getOrDefault(Plan.FULFIL, 0L) + " planned fulfils and "
                        + s.dfsps() + " preflight transfers");
        ledgerGate(gates, dfsps, admin, token, before);
        if (jdbc != null) {
            readStoreGate(gates, jdbc);
        }
        results.write(out, gates, ramp == null ? null : ramp.json(), ramp == null ? "" : ramp.table());
        System.out.println(ramp == null ? results.summary() : ramp.table());
        System.out.println(gates.summary());
        System.out.printf("reports: %s and %s%n", out.resolve("result.json"), out.resolve("report.html"));
        return gates.allPassed();
    }

    /**
     * The arrival schedule: during the warm-up the rate climbs linearly from a fifth of the target to the
     * target (a JVM just started compiles for a minute or two, and a cold hub given the full rate at once builds
     * a backlog it spends the warm-up draining), then it holds the target. Open loop: the i-th arrival's time
     * depends on i alone, never on how the hub is doing.
     */
    record Arrivals(int rate, int warmupSeconds) {
        private double startRate() {
            return warmupSeconds == 0 ? rate : rate / 5.0;
        }

        /** Arrivals by the end of the warm-up: the area under the ramp. */
        private double warmupArrivals() {
            return (startRate() + rate) * warmupSeconds / 2.0;
        }

        long total(int measuredSeconds) {
            return (long) Math.floor(warmupArrivals()) + (long) rate * measuredSeconds;
        }

        /** When the i-th arrival is due, from the start: inverts N(t) = r0 t + (r - r0) t^2 / 2W on the ramp. */
        long offsetNs(long i) {
            double r0 = startRate();
            double t;
            if (i < warmupArrivals()) {
                double a = (rate - r0) / (2.0 * warmupSeconds);
                t = a == 0 ? i / r0 : (-r0 + Math.sqrt(r0 * r0 + 4 * a * i)) / (2 * a);
            } else {
                t = warmupSeconds + (i - warmupArrivals()) / rate;
            }
            return (long) (t * 1e9);
        }
    }

    /** One transfer from each DFSP to the next, to be committed before the load: onboarding took effect everywhere. */
    private void preflight(Flights flights, TransferDriver driver) throws Exception {
        flights.begin(System.nanoTime(), 1);
        for (int i = 0; i < s.dfsps(); i++) {
            Flight f = newFlight(i, (i + 1) % s.dfsps(), Plan.FULFIL, System.nanoTime(), false);
            flights.started(f);
            String condition = condition(f);
            driver.prepare(f, "1", condition, Instant.now().plusSeconds(60));
        }
        long until = System.nanoTime() + 60_000_000_000L;
        while (!flights.inFlight.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        if (!flights.inFlight.isEmpty() || flights.committed.sum() != s.dfsps()) {
            throw new IllegalStateException("preflight: " + flights.committed.sum() + " of " + s.dfsps()
                    + " transfers committed within 60 s (errors " + flights.errors + "); the hub is not ready for load");
        }
        System.out.printf("preflight: %d transfers committed, one from each DFSP%n", s.dfsps());
    }

    private void start(Flights flights, TransferDriver driver, SplittableRandom random, long due,
                       boolean measured, int step) {
        if (flights.inFlight.size() >= s.inFlightMax()) {
            flights.refusedAtGenerator.increment();
            if (measured) {
                flights.measuredStarted.increment();
            }
            return;
        }
        int n = s.dfsps();
        int payer = s.scenario().equals("hot-payer") && random.nextDouble() < 0.7 ? 0 : random.nextInt(n);
        int payee = (payer + 1 + random.nextInt(n - 1)) % n;
        double draw = random.nextDouble();
        Plan plan = draw < s.rejectShare() ? Plan.REJECT
                : draw < s.rejectShare() + s.expireShare() ? Plan.EXPIRE
                : draw < s.rejectShare() + s.expireShare() + s.ndcShare() ? Plan.NDC_BREACH : Plan.FULFIL;
        planned.merge(plan, 1L, Long::sum);
        Flight f = newFlight(payer, payee, plan, due, measured);
        f.step = step;
        String condition = condition(f);
        String amount = plan == Plan.NDC_BREACH ? BREACH_AMOUNT : cents(100 + random.nextInt(9_900));
        Instant expiration = Instant.now().plusSeconds(plan == Plan.EXPIRE ? 2 : s.boundSeconds());
        flights.started(f);
        driver.prepare(f, amount, condition, expiration);
    }

    /** A transfer with a fresh random 32-byte preimage as its fulfilment. */
    private static Flight newFlight(int payer, int payee, Plan plan, long due, boolean measured) {
        byte[] preimage = new byte[32];
        ThreadLocalRandom.current().nextBytes(preimage);
        return new Flight(UUID.randomUUID().toString(), payer, payee, plan, due, measured, B64.encodeToString(preimage));
    }

    /** The ILP condition of a transfer: the SHA-256 of its fulfilment's preimage, base64url. */
    private static String condition(Flight f) {
        try {
            return B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(Base64.getUrlDecoder().decode(f.fulfilment)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** An FSPIOP amount from cents: no trailing zero after the point. */
    static String cents(long c) {
        String units = Long.toString(c / 100);
        long rest = c % 100;
        if (rest == 0) {
            return units;
        }
        return rest % 10 == 0 ? units + "." + rest / 10 : units + "." + (rest < 10 ? "0" : "") + rest;
    }

    /** Positions moved by the run net to zero across the DFSPs, and nothing is left reserved. */
    private void ledgerGate(Gates gates, HttpDfsps dfsps, String admin, String token, long[][] before) throws Exception {
        long net = 0;
        long reserved = 0;
        // A commit or release moves the payer's and the payee's positions in separate commands, and after an
        // overload the handlers may still be working through a backlog of releases: wait while it moves.
        long lastChange = System.nanoTime();
        long deadline = lastChange + 600_000_000_000L;
        long previous = Long.MIN_VALUE;
        while (System.nanoTime() < deadline) {
            long[][] after = dfsps.positions(admin, token);
            net = 0;
            reserved = 0;
            for (int i = 0; i < after.length; i++) {
                net += after[i][0] - before[i][0];
                reserved += after[i][1] - before[i][1];
            }
            if (net == 0 && reserved == 0) {
                break;
            }
            if (reserved != previous) {
                previous = reserved;
                lastChange = System.nanoTime();
                System.out.printf("waiting for the ledger to settle: net %d cents, %d cents still reserved%n", net, reserved);
            } else if (System.nanoTime() - lastChange > 30_000_000_000L) {
                break;
            }
            Thread.sleep(1_000);
        }
        gates.check("positions net to zero and nothing is left reserved", net == 0 && reserved == 0,
                "net position change " + net + " cents, reserved change " + reserved + " cents");
    }

    /** The read store has caught up and holds as many committed transfers as the event store recorded commits. */
    private void readStoreGate(Gates gates, String jdbc) throws Exception {
        long read = -1;
        long events = -2;
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", ""); Statement st = c.createStatement()) {
            for (int attempt = 0; attempt < 100 && read != events; attempt++) {
                events = count(st, "select count(*) from events where event_type = 'TransferCommitted'");
                read = count(st, "select count(*) from read.transfers where state = 'COMMITTED'");
                if (read != events) {
                    Thread.sleep(200);
                }
            }
        }
        gates.check("the read store's committed transfers equal the event store's commits", read == events,
                read + " in the read store, " + events + " TransferCommitted events");
    }

    private static long count(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Named pass/fail checks after a run. */
    static final class Gates {
        final List<String[]> results = new ArrayList<>();

        void check(String name, boolean passed, String detail) {
            results.add(new String[] {name, passed ? "PASS" : "FAIL", detail});
        }

        boolean allPassed() {
            return results.stream().allMatch(r -> r[1].equals("PASS"));
        }

        String summary() {
            StringBuilder b = new StringBuilder("validity gates:\n");
            for (String[] r : results) {
                b.append("  ").append(r[1]).append("  ").append(r[0]).append(r[1].equals("PASS") ? "" : " -- " + r[2]).append('\n');
            }
            b.append(allPassed() ? "ALL GATES PASSED" : "A VALIDITY GATE FAILED: the figures above are not valid");
            return b.toString();
        }
    }

    /** The live line: arrivals and ends in the last second, in flight, the second's p99, CPU of hub and generator. */
    static final class Progress implements Runnable {
        private final Flights flights;
        private final HubProcess hub;
        private final OperatingSystemMXBean os;
        private final long startNs;
        private final int rate;
        private volatile boolean running = true;
        /** The end-to-end p99 of each second, in ms (NaN for a second in which nothing ended). */
        final List<Double> p99PerSecond = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Transfers in flight at the end of each second. */
        final List<Long> inFlightPerSecond = java.util.Collections.synchronizedList(new ArrayList<>());

        Progress(Flights flights, HubProcess hub, OperatingSystemMXBean os, long startNs, int rate) {
            this.flights = flights;
            this.hub = hub;
            this.os = os;
            this.startNs = startNs;
            this.rate = rate;
        }

        void stop() {
            running = false;
        }

        @Override
        public void run() {
            long lastStarted = 0;
            long lastEnded = 0;
            double lastHub = hub == null ? 0 : hub.cpuSeconds();
            double lastGen = os.getProcessCpuTime() / 1e9;
            long next = startNs + 1_000_000_000L;
            while (running) {
                LockSupport.parkNanos(next - System.nanoTime());
                next += 1_000_000_000L;
                long started = flights.started.sum();
                long ended = flights.ended.sum();
                double hubCpu = hub == null ? 0 : hub.cpuSeconds();
                double genCpu = os.getProcessCpuTime() / 1e9;
                Histogram h = flights.intervalHistogram();
                p99PerSecond.add(h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1e6);
                inFlightPerSecond.add((long) flights.inFlight.size());
                System.out.printf("[%4ds] target %d/s  started %d/s  ended %d/s  in flight %d  p99 e2e %s  cpu hub %.2f gen %.2f cores  errors %d%n",
                        (System.nanoTime() - startNs) / 1_000_000_000L, rate, started - lastStarted, ended - lastEnded,
                        flights.inFlight.size(), h.getTotalCount() == 0 ? "-" : ms(h.getValueAtPercentile(99)),
                        hubCpu - lastHub, genCpu - lastGen, flights.errors.values().stream().mapToLong(a -> a.sum()).sum());
                lastStarted = started;
                lastEnded = ended;
                lastHub = hubCpu;
                lastGen = genCpu;
            }
        }
    }

    static String ms(long ns) {
        return String.format("%.1f ms", ns / 1e6);
    }
}
