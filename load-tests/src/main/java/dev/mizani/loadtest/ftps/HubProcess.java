package dev.mizani.loadtest.ftps;

import dev.mizani.embedded.FreePorts;
import dev.mizani.hub.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The embedded hub in its own JVM, as {@code ./mvnw -pl hub exec:exec} runs it, on a fresh data directory and
 * free ports: the load generator's CPU and the hub's are then measured apart, and a hub crash cannot take the
 * generator's figures with it.
 */
public final class HubProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile(Pattern.quote(Main.READY_LINE) + " in \\d+ ms: kafka=(\\S+) db=(\\S+) registry=(\\S+)");

    final Process process;
    public final String gateway;
    public final String admin;
    public final String query;
    /** The health and metrics endpoint of a process without the query API ({@code MIZANI_OPS_PORT}). */
    public final String ops;
    public final String kafkaBootstrap;
    public final String jdbcUrl;
    public final String registryUrl;
    public final String operatorToken;
    private final Path dataDir;
    private final Config config;
    /** The processes {@link #peer} started beside this one: their CPU counts as the hub's. */
    private final List<HubProcess> peers = new java.util.concurrent.CopyOnWriteArrayList<>();

    private HubProcess(Config config, Process process, String gateway, String admin, String query, String kafka, String jdbc,
                       String registry, String token) {
        this.config = config;
        this.dataDir = config.dataDir();
        this.process = process;
        this.gateway = gateway;
        this.admin = admin;
        this.query = query;
        this.ops = "http://127.0.0.1:" + config.ports()[6];
        this.kafkaBootstrap = kafka;
        this.jdbcUrl = jdbc;
        this.registryUrl = registry;
        this.operatorToken = token;
    }

    /** @param callbacks false for core mode: the hub then calls no participant back */
    public static HubProcess start(Path dataDir, String heap, String jvmOptions, int partitions, boolean callbacks) throws Exception {
        return start(dataDir, heap, jvmOptions, partitions, callbacks, "all");
    }

    /** @param services what this first process runs beside the embedded broker, database and registry ({@code MIZANI_SERVICES}) */
    public static HubProcess start(Path dataDir, String heap, String jvmOptions, int partitions, boolean callbacks,
                                   String services) throws Exception {
        // told to the hub before it binds them, so they must differ from each other
        return launch(new Config(dataDir, heap, jvmOptions, partitions, callbacks, FreePorts.distinct(7),
                "load-test-operator-" + java.util.UUID.randomUUID(), Map.of("MIZANI_SERVICES", services)));
    }

    /**
     * How a hub is launched, kept so that it can be launched again on the same data directory and ports after it was
     * killed: what a restart with the README's command does.
     *
     * @param ports gateway, admin, query, database, registry, broker, operations endpoint
     * @param env   further environment variables of the hub
     */
    record Config(Path dataDir, String heap, String jvmOptions, int partitions, boolean callbacks, int[] ports,
                  String token, Map<String, String> env) {}

    /**
     * Another hub process on this one's broker, database and registry, with its own data directory and ports, running
     * {@code services} ({@code MIZANI_SERVICES}): more instances of them beside this process's.
     */
    public HubProcess peer(Path peerDataDir, String services) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(config.env());
        env.put("MIZANI_KAFKA_BOOTSTRAP", kafkaBootstrap);
        env.put("MIZANI_DB_URL", jdbcUrl);
        env.put("MIZANI_REGISTRY_URL", registryUrl);
        env.put("MIZANI_SERVICES", services);
        HubProcess peer = launch(new Config(peerDataDir, config.heap(), config.jvmOptions(), config.partitions(),
                config.callbacks(), FreePorts.distinct(7), config.token(), Map.copyOf(env)));
        peers.add(peer);
        return peer;
    }

    /** The services this process runs, as {@code MIZANI_SERVICES} names them. */
    public String services() {
        return config.env().getOrDefault("MIZANI_SERVICES", "all");
    }

    /** A new hub process on the same data directory and ports, after this one ended (killed or stopped). */
    public HubProcess restart() throws Exception {
        return launch(config);
    }

    static HubProcess launch(Config c) throws Exception {
        int gatewayPort = c.ports()[0];
        int adminPort = c.ports()[1];
        int queryPort = c.ports()[2];
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + c.heap(),
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=java.lang,java.math,java.util,org.apache.avro,dev.mizani"));
        // the hub's own default collector, unless the run picks another (hubOpts=-XX:+UseZGC)
        if (!c.jvmOptions().matches(".*-XX:\\+Use\\w+GC.*")) {
            // as hub/pom.xml launches it: no full collection at start-up or when the JIT's code grows
            command.addAll(java.util.List.of("-XX:+UseParallelGC", "-XX:MetaspaceSize=128m", "-XX:SweeperThreshold=50"));
        }
        for (String option : c.jvmOptions().split(";")) {
            if (!option.isBlank()) {
                command.add(option.trim());
            }
        }
        // the generator's own classes (and its quieter logback.xml) stay out of the hub's class path
        String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.replace('\\', '/').contains("load-tests/target/classes"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        command.addAll(java.util.List.of("-cp", classPath, Main.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        var env = pb.environment();
        env.put("MIZANI_DATA_DIR", c.dataDir().toString());
        env.put("MIZANI_KAFKA_PORT", Integer.toString(c.ports()[5]));
        env.put("MIZANI_KAFKA_PARTITIONS", Integer.toString(c.partitions()));
        env.put("MIZANI_DB_PORT", Integer.toString(c.ports()[3]));
        env.put("MIZANI_REGISTRY_PORT", Integer.toString(c.ports()[4]));
        env.put("MIZANI_GATEWAY_PORT", Integer.toString(gatewayPort));
        env.put("MIZANI_ADMIN_PORT", Integer.toString(adminPort));
        env.put("MIZANI_QUERY_PORT", Integer.toString(queryPort));
        env.put("MIZANI_OPS_PORT", Integer.toString(c.ports()[6])); // served only by a process without the query API
        env.put("MIZANI_OPERATOR_TOKEN", c.token());
        env.put("MIZANI_CREDENTIAL_KEY", "credentials-of-" + c.token()); // one key for every process of the run
        env.putIfAbsent("MIZANI_RATE_LIMIT_PER_SECOND", "1000000");
        if (c.callbacks()) {
            env.putIfAbsent("MIZANI_CALLBACKS_IN_FLIGHT_MAX", "1024");
        } else {
            env.put("MIZANI_CALLBACKS_IN_FLIGHT_MAX", "0");
        }
        env.putAll(c.env());
        Files.createDirectories(c.dataDir());
        Process process = pb.start();
        Path log = c.dataDir().resolve("hub.log");
        CompletableFuture<Matcher> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("hub-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 var w = Files.newBufferedWriter(log, java.nio.file.StandardOpenOption.CREATE,
                         java.nio.file.StandardOpenOption.APPEND)) {
                for (String line; (line = r.readLine()) != null; ) {
                    w.write(line);
                    w.newLine();
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ready.complete(m);
                    }
                    if (line.contains(" ERROR ") || line.contains(" WARN ") || line.contains("Exception")) {
                        w.flush();
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("the hub exited before it was ready; see " + log));
        });
        Matcher m = ready.get(180, TimeUnit.SECONDS);
        return new HubProcess(c, process, "http://127.0.0.1:" + gatewayPort, "http://127.0.0.1:" + adminPort,
                "http://127.0.0.1:" + queryPort, m.group(1), m.group(2), m.group(3), c.token());
    }

    /**
     * CPU seconds the hub and every process it started have used: its JVM (with the in-process broker), the
     * registry's JVM, PostgreSQL, whose server detaches from the hub (pg_ctl daemonizes it) and is found by
     * its data directory instead, and the JVMs of its {@link #peer peers}.
     */
    double cpuSeconds() {
        return Stream.concat(Stream.concat(jvms(), process.descendants()), postgres())
                .distinct().mapToDouble(p -> procCpuSeconds(p.pid())).sum();
    }

    /** The same CPU seconds by thread and process, with their parts (see {@link CpuParts}); empty without /proc. */
    Map<String, CpuParts.Counter> cpuSecondsByPart() {
        List<ProcessHandle> postgres = postgres().toList();
        return CpuParts.sample(jvms().map(ProcessHandle::pid).toList(), postgres.stream(),
                process.descendants().filter(p -> !postgres.contains(p)));
    }

    /** This process's JVM and its peers'. */
    private Stream<ProcessHandle> jvms() {
        return Stream.concat(Stream.of(process.toHandle()), peers.stream().map(p -> p.process.toHandle()));
    }

    private Stream<ProcessHandle> postgres() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("postgres") && c.contains(dataDir.toAbsolutePath().toString())).orElse(false))
                .flatMap(p -> Stream.concat(Stream.of(p), p.descendants())).distinct();
    }

    /** utime + stime of a Linux process from /proc, in seconds; 0 where /proc is not there. */
    static double procCpuSeconds(long pid) {
        String[] stat = CpuParts.stat(Path.of("/proc", Long.toString(pid), "stat"));
        return stat == null ? 0 : CpuParts.seconds(stat);
    }

    /** kill -9 of the hub's JVM: no shutdown hook runs; its database and registry are left to their own watchers. */
    public void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, and the wait for the hub's orderly stop. */
    public void stop() throws Exception {
        // SIGTERM, not SIGINT: a shell starts background jobs with SIGINT ignored, the JVM then installs no handler
        // for it, and a hub that never hears the signal is killed after a minute, leaving PostgreSQL running
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            System.out.println("the hub did not stop within 60 s; killing it, its registry and its database");
            process.destroyForcibly();
            children.forEach(ProcessHandle::destroy);
            postgres().forEach(ProcessHandle::destroy);
        }
        for (ProcessHandle child : children) {
            child.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    /** The last lines the hub printed, for a report that needs to say why it was slow. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dataDir.resolve("hub.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The embedded PostgreSQL's postmaster, by its lock file; 0 when none runs. */
    public long postmasterPid() {
        return dev.mizani.embedded.EmbeddedPostgresServer.postmasterPid(dataDir.resolve("postgres"));
    }

    /** The embedded registry's child process id, from its pid file; -1 when there is none. */
    public long registryPid() {
        try {
            return Long.parseLong(java.nio.file.Files.readString(dataDir.resolve("registry").resolve("registry.pid")).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() throws Exception {
        for (HubProcess peer : peers) {
            if (peer.process.isAlive()) {
                peer.close();
            }
        }
        stop();
        // the run's data (broker log, database) is hundreds of MB; only the hub's log and PostgreSQL's (checkpoints,
        // autovacuum, slow statements: what explains a stall) are kept with the reports
        Path postgresLog = dataDir.resolve("postgres").resolve("log");
        try (Stream<Path> all = Files.walk(dataDir)) {
            all.sorted(java.util.Comparator.reverseOrder())
                    .filter(p -> !p.equals(dataDir) && !p.endsWith("hub.log") && !p.startsWith(postgresLog)
                            && !postgresLog.startsWith(p))
                    .forEach(p -> p.toFile().delete());
        }
    }
}
