package dev.mizani.loadtest.chaos;

import dev.mizani.loadtest.ftps.HubProcess;
import dev.mizani.loadtest.ftps.Onboarding;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * The hub under load while its pieces are killed, then the ledger checked from every side. An embedded hub runs
 * in its own JVM; simulated DFSPs send transfers over FSPIOP HTTP at a steady rate; at random moments one fault
 * in turn: the hub's JVM killed (kill -9) and started again on the same data and ports, as a user would with the
 * README's command; one PostgreSQL backend killed (the server then resets every connection); the postmaster
 * killed (the hub must start it again); a graceful SIGTERM and start. After the run every transfer must have
 * ended exactly once and the ledger must agree with itself ({@link LedgerCheck}). For each fault it reports how
 * long until the hub committed a transfer prepared after it.
 *
 * <pre>./mvnw -q -pl load-tests exec:exec -Dbench=dev.mizani.loadtest.chaos.ChaosRun -Dbench.args="seconds=1800"</pre>
 */
public final class ChaosRun {
    /**
     * The faults. A peer is a second hub process running every service again on the first one's broker, database and
     * registry ({@code peers=1}); its kill and stop hand its partitions, timers and read store lease to the first.
     */
    /** Partitions of every topic of the run's hub. */
    private static final int PARTITIONS = 8;

    enum Fault { HUB_KILL, POSTGRES_BACKEND_KILL, POSTMASTER_KILL, HUB_SIGTERM, REGISTRY_KILL, PEER_KILL, PEER_SIGTERM }

    /** What a peer process runs: every service, beside the first process's (which also runs the infrastructure). */
    static final String PEER_SERVICES = "gateway,transfers,participants,projections,query";

    /**
     * @param seconds     how long faults are injected under load
     * @param rate        transfers per second offered
     * @param faultGapMs  mean pause between one fault's recovery and the next fault (uniform 0.5x..1.5x)
     * @param expiresInMs each transfer's expiration, from its prepare
     * @param rounds      at least this many faults of each kind, even past {@code seconds}
     * @param peers       further hub processes running every service on the first one's infrastructure; the DFSPs
     *                    send each request to one of the gateways at random
     * @param faults      the kinds injected, in turn (the peer faults only with peers)
     */
    record Settings(int seconds, int rate, int dfsps, long faultGapMs, long expiresInMs, long seed, Path out, String heap,
                    int rounds, int peers, List<Fault> faults) {
        static Settings parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>();
            for (String arg : args) {
                for (String part : arg.trim().split("\\s+")) {
                    int eq = part.indexOf('=');
                    if (eq <= 0) {
                        if (!part.isBlank()) {
                            throw new IllegalArgumentException("arguments are key=value: " + part + "\n" + USAGE);
                        }
                        continue;
                    }
                    a.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
            Settings s = new Settings(Integer.parseInt(a.getOrDefault("seconds", "1800")),
                    Integer.parseInt(a.getOrDefault("rate", "150")), Integer.parseInt(a.getOrDefault("dfsps", "5")),
                    Long.parseLong(a.getOrDefault("faultGapMs", "20000")), Long.parseLong(a.getOrDefault("expiresInMs", "30000")),
                    Long.parseLong(a.getOrDefault("seed", Long.toString(System.nanoTime()))),
                    Path.of(a.getOrDefault("out", "target/chaos")), a.getOrDefault("heap", "2g"),
                    Integer.parseInt(a.getOrDefault("rounds", "0")), Integer.parseInt(a.getOrDefault("peers", "0")),
                    faults(a.get("faults"), Integer.parseInt(a.getOrDefault("peers", "0"))));
            a.keySet().removeAll(List.of("seconds", "rate", "dfsps", "faultGapMs", "expiresInMs", "seed", "out", "heap",
                    "rounds", "peers", "faults"));
            if (!a.isEmpty()) {
                throw new IllegalArgumentException("unknown arguments " + a.keySet() + "\n" + USAGE);
            }
            return s;
        }

        private static List<Fault> faults(String names, int peers) {
            List<Fault> faults = new ArrayList<>();
            if (names == null) {
                for (Fault f : Fault.values()) {
                    if (peers > 0 || !f.name().startsWith("PEER_")) {
                        faults.add(f);
                    }
                }
                return faults;
            }
            for (String name : names.split(",")) {
                Fault f = Fault.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
                if (f.name().startsWith("PEER_") && peers == 0) {
                    throw new IllegalArgumentException(f + " needs peers=1 or more");
                }
                faults.add(f);
            }
            return faults;
        }
    }

    static final String USAGE = "ChaosRun arguments (key=value): seconds=1800 rate=150 dfsps=5 faultGapMs=20000 "
            + "expiresInMs=30000 seed=<random> out=target/chaos heap=2g rounds=0 (at least this many faults of each kind) "
            + "peers=0 (more hub processes running every service) faults=<every kind; PEER_ ones with peers>";

    /** One fault and how the hub came back from it. */
    record Recovery(Fault fault, long atMs, long downMs, long firstCommitMs) {}

    /** What a run found: its faults, its counts, and the ledger's verdict. */
    record Report(List<Recovery> recoveries, LedgerCheck.Result ledger, long accepted, long refused, long unreachable,
                  long answersResent, boolean auditUp, String auditDetail, Map<String, Long> peerCommands) {
        boolean passed() {
            return ledger.passed() && auditUp && recoveries.stream().allMatch(r -> r.firstCommitMs() >= 0);
        }

        String summary() {
            StringBuilder b = new StringBuilder();
            Map<Fault, List<Recovery>> byKind = new EnumMap<>(Fault.class);
            recoveries.forEach(r -> byKind.computeIfAbsent(r.fault(), k -> new ArrayList<>()).add(r));
            b.append(String.format("%-22s %6s %28s %28s%n", "fault", "count", "down (restart) ms: median / max",
                    "fault -> first new commit ms: median / max"));
            byKind.forEach((kind, list) -> b.append(String.format("%-22s %6d %28s %28s%n", kind, list.size(),
                    median(list.stream().mapToLong(Recovery::downMs).toArray()) + " / "
                            + list.stream().mapToLong(Recovery::downMs).max().orElse(0),
                    median(list.stream().mapToLong(Recovery::firstCommitMs).toArray()) + " / "
                            + list.stream().mapToLong(Recovery::firstCommitMs).max().orElse(0))));
            b.append(String.format("transfers: %d in the event store (%d committed, %d aborted, %d expired, %d rejected); "
                            + "%d accepted with 202, %d refused, %d unanswered (hub down); %d payee answers sent again%n",
                    ledger.transfers(), ledger.committed(), ledger.aborted(), ledger.expired(), ledger.rejected(), accepted,
                    refused, unreachable, answersResent));
            b.append("ledger audit (/health): ").append(auditUp ? "UP" : "DOWN").append(" -- ").append(auditDetail).append('\n');
            if (!peerCommands.isEmpty()) {
                b.append("commands decided by peer processes before their faults: ").append(peerCommands).append('\n');
            }
            if (ledger.passed()) {
                b.append("LEDGER CHECKS PASSED: every transfer ended exactly once; every commit moved its amount once on "
                        + "each side; positions = initial + paid - received; nothing reserved; conservation; admin API, query "
                        + "API and event store agree\n");
            } else {
                b.append("LEDGER CHECKS FAILED (").append(ledger.violations().size()).append("): ")
                        .append(ledger.violations().subList(0, Math.min(20, ledger.violations().size()))).append('\n');
            }
            recoveries.stream().filter(r -> r.firstCommitMs() < 0).forEach(r ->
                    b.append("NO COMMIT AFTER ").append(r.fault()).append(" at ").append(r.atMs()).append(" ms\n"));
            return b.toString();
        }

        private static long median(long[] values) {
            long[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
        }
    }

    private final Settings s;
    private final Random random;
    private HubProcess hub;
    private final List<HubProcess> peers = new ArrayList<>();
    private final Map<String, Long> peerCommands = new java.util.concurrent.ConcurrentHashMap<>();

    ChaosRun(Settings s) {
        this.s = s;
        this.random = new Random(s.seed());
    }

    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Report report = new ChaosRun(s).run();
        System.out.println(report.summary());
        System.exit(report.passed() ? 0 : 1);
    }

    Report run() throws Exception {
        Path out = s.out().resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-chaos");
        Files.createDirectories(out);
        System.out.printf("chaos run: %d s at %d transfers/s, %d DFSPs, seed %d; the hub's log is in %s%n", s.seconds(),
                s.rate(), s.dfsps(), s.seed(), out.resolve("hub/hub.log"));
        hub = HubProcess.start(out.resolve("hub"), s.heap(), "", PARTITIONS, true);
        List<String> gateways = new ArrayList<>(List.of(hub.gateway));
        for (int i = 0; i < s.peers(); i++) {
            HubProcess peer = hub.peer(out.resolve("peer" + i), PEER_SERVICES);
            peers.add(peer);
            gateways.add(peer.gateway);
            System.out.printf("peer %d runs %s; its log is in %s%n", i, PEER_SERVICES, out.resolve("peer" + i + "/hub.log"));
        }
        try (ChaosDfsps dfsps = new ChaosDfsps(gateways)) {
            dfsps.onboard(new Onboarding.Admin(HttpClient.newHttpClient(), hub.admin, hub.operatorToken), s.dfsps(),
                    UUID.randomUUID().toString().substring(0, 4), PARTITIONS);
            Load load = new Load(dfsps);
            Thread loadThread = Thread.ofPlatform().name("chaos-load").start(load);
            long startNs = System.nanoTime();
            List<Recovery> recoveries = faults(dfsps, startNs);
            load.running = false;
            loadThread.join();
            System.out.println("load stopped; waiting for every transfer to end...");
            awaitQuiet();
            Report report = verdict(dfsps, recoveries);
            Files.writeString(out.resolve("chaos.txt"), report.summary());
            return report;
        } finally {
            for (HubProcess peer : peers) {
                peer.close();
            }
            hub.close();
        }
    }

    /** Faults in turn, each after a random pause, until the run's time is up; each waits for the hub to commit again. */
    private List<Recovery> faults(ChaosDfsps dfsps, long startNs) throws Exception {
        List<Recovery> recoveries = new ArrayList<>();
        long endNs = startNs + s.seconds() * 1_000_000_000L;
        Fault[] kinds = s.faults().toArray(Fault[]::new);
        int next = random.nextInt(kinds.length);
        sleepMs((long) (s.faultGapMs() * (0.5 + random.nextDouble())));
        while (System.nanoTime() < endNs || recoveries.size() < s.rounds() * kinds.length) {
            Fault fault = kinds[next++ % kinds.length];
            long atNs = System.nanoTime();
            long downMs = inject(fault);
            long firstCommitMs = -1;
            long waitUntil = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < waitUntil) {
                var first = dfsps.firstCommitAfter(atNs);
                if (first.isPresent()) {
                    firstCommitMs = (first.getAsLong() - atNs) / 1_000_000;
                    break;
                }
                sleepMs(50);
            }
            Recovery r = new Recovery(fault, (atNs - startNs) / 1_000_000, downMs, firstCommitMs);
            recoveries.add(r);
            System.out.printf("[%5d s] %-22s down %6d ms, first new commit after %6d ms%n", r.atMs() / 1000, fault,
                    downMs, firstCommitMs);
            sleepMs((long) (s.faultGapMs() * (0.5 + random.nextDouble())));
        }
        return recoveries;
    }

    /** Injects one fault; returns how long the hub's process was away (0 when it stayed up). */
    private long inject(Fault fault) throws Exception {
        switch (fault) {
            case HUB_KILL, HUB_SIGTERM -> {
                long t0 = System.nanoTime();
                if (fault == Fault.HUB_KILL) {
                    hub.kill();
                } else {
                    hub.stop();
                }
                long stoppedMs = (System.nanoTime() - t0) / 1_000_000;
                if (stoppedMs > 20_000) {
                    System.out.printf("the hub took %d ms to stop; the end of its log:%n%s%n", stoppedMs, hub.logTail(40));
                }
                hub = hub.restart();
                long readyMs = (System.nanoTime() - t0) / 1_000_000 - stoppedMs;
                if (readyMs > 30_000) {
                    System.out.printf("the hub took %d ms to start again; the end of its log:%n%s%n", readyMs, hub.logTail(40));
                }
                return (System.nanoTime() - t0) / 1_000_000;
            }
            case POSTGRES_BACKEND_KILL -> {
                long pid = hubBackend();
                if (pid > 0) {
                    kill(pid);
                }
                return 0;
            }
            case POSTMASTER_KILL -> {
                long pid = hub.postmasterPid();
                if (pid > 0) {
                    kill(pid);
                }
                return 0;
            }
            case REGISTRY_KILL -> {
                // nothing the hub writes needs it (each process keeps the schemas it registered); its watchdog
                // starts it again for integrators and for schemas new to a process
                long pid = hub.registryPid();
                if (pid > 0) {
                    kill(pid);
                }
                return 0;
            }
            case PEER_KILL, PEER_SIGTERM -> {
                int i = random.nextInt(peers.size());
                countPeerCommands(peers.get(i));
                long t0 = System.nanoTime();
                if (fault == Fault.PEER_KILL) {
                    peers.get(i).kill();
                } else {
                    peers.get(i).stop();
                }
                sleepMs(s.faultGapMs() / 2); // the first process carries the whole load meanwhile
                peers.set(i, peers.get(i).restart());
                return (System.nanoTime() - t0) / 1_000_000;
            }
        }
        throw new IllegalStateException(fault.toString());
    }

    /** Commands the peer's handlers decided since it started, from its {@code /metrics}: proof it carried load. */
    private void countPeerCommands(HubProcess peer) {
        try {
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(peer.query + "/metrics"))
                    .header("Authorization", "Bearer " + peer.operatorToken).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : metrics.split("\n")) {
                for (String processor : List.of("transfers", "participants")) {
                    if (line.startsWith("mizani_processor_commands_total{processor=\"" + processor + "\"}")) {
                        peerCommands.merge(processor, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
                                Long::sum);
                    }
                }
            }
        } catch (Exception e) {
            System.out.println("could not read the peer's metrics: " + e);
        }
    }

    /** One of the hub's own database connections, at random. */
    private long hubBackend() throws Exception {
        try (Connection c = DriverManager.getConnection(hub.jdbcUrl, "postgres", ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select pid from pg_stat_activity where datname = current_database() "
                     + "and backend_type = 'client backend' and pid <> pg_backend_pid()")) {
            List<Long> pids = new ArrayList<>();
            while (rs.next()) {
                pids.add(rs.getLong(1));
            }
            return pids.isEmpty() ? 0 : pids.get(random.nextInt(pids.size()));
        }
    }

    private static void kill(long pid) throws Exception {
        new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start().waitFor();
    }

    /** Every transfer in the event store has ended (each expires within {@code expiresInMs} at most). */
    private void awaitQuiet() throws Exception {
        long deadline = System.nanoTime() + s.expiresInMs() * 1_000_000L + 180_000_000_000L;
        long open = -1;
        while (System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection(hub.jdbcUrl, "postgres", ""); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select count(*) from (select stream_id from events where stream_id like "
                         + "'transfer-%' group by stream_id having count(*) filter (where event_type in ('TransferCommitted',"
                         + "'TransferAborted','TransferExpired','TransferPrepareRejected')) = 0) open")) {
                rs.next();
                open = rs.getLong(1);
            }
            if (open == 0) {
                break;
            }
            sleepMs(1_000);
        }
        System.out.printf("%d transfers still open; letting the views catch up...%n", open);
        sleepMs(5_000);
    }

    private Report verdict(ChaosDfsps dfsps, List<Recovery> recoveries) throws Exception {
        LedgerCheck.Result ledger = null;
        for (int attempt = 0; attempt < 10; attempt++) { // the views trail the event store by moments
            ledger = LedgerCheck.check(hub.jdbcUrl, hub.registryUrl, hub.admin, hub.query, hub.operatorToken, dfsps.names,
                    new HashSet<>(dfsps.accepted.keySet()));
            if (ledger.passed()) {
                break;
            }
            sleepMs(3_000);
        }
        // The audit judges a commit once both its sides are in, or looked up in the read store when they came before a
        // restart (after a third of its 30 s half-commit bound): wait until it has judged every one, or found a problem.
        String ledgerCheck = "\"ledger\":{\"status\":\"";
        long until = System.nanoTime() + 60_000_000_000L;
        String health;
        int at;
        boolean auditUp;
        while (true) {
            health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(hub.gateway + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            at = health.indexOf(ledgerCheck);
            auditUp = at >= 0 && health.startsWith("UP", at + ledgerCheck.length());
            if (!auditUp || health.contains("\"detail\":\"0 commits in flight") || System.nanoTime() > until) {
                break;
            }
            sleepMs(1_000);
        }
        int end = at < 0 ? -1 : health.indexOf("\"}", at); // the detail string's end: it may itself hold braces
        String detail = at < 0 ? health : health.substring(at, end < 0 ? health.length() : end + 2);
        return new Report(recoveries, ledger, dfsps.accepted.size(), dfsps.refused.sum(), dfsps.unreachable.sum(),
                dfsps.answersResent.sum(), auditUp, detail, Map.copyOf(peerCommands));
    }

    /** Prepares at the run's rate until stopped, whatever the hub answers. */
    private final class Load implements Runnable {
        private final ChaosDfsps dfsps;
        volatile boolean running = true;

        Load(ChaosDfsps dfsps) {
            this.dfsps = dfsps;
        }

        @Override
        public void run() {
            long intervalNs = 1_000_000_000L / s.rate();
            long due = System.nanoTime();
            while (running) {
                long now = System.nanoTime();
                if (due > now) {
                    LockSupport.parkNanos(due - now);
                    continue;
                }
                dfsps.prepare(s.expiresInMs());
                due += intervalNs;
            }
        }
    }

    private static void sleepMs(long ms) throws InterruptedException {
        Thread.sleep(Math.max(0, ms));
    }
}
