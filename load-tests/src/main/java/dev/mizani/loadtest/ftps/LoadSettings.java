package dev.mizani.loadtest.ftps;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What one load run does, from {@code key=value} arguments (each with a default a user can read in
 * {@link #USAGE}).
 */
record LoadSettings(String mode, String scenario, int rate, int seconds, int warmupSeconds, int boundSeconds,
                    int dfsps, double rejectShare, double expireShare, double ndcShare, int inFlightMax,
                    String gateway, String admin, String operatorToken, String jdbcUrl, String callbackHost,
                    String hubHeap, String hubJvmOptions, int partitions, String generatorCpus, Path out,
                    int step, int stepSeconds, int rateMax, int barMs, int queries, String queryApi,
                    boolean split, int gateways, int peers) {

    static final String USAGE = """
            FTPS load test: simulated DFSPs drive the hub at a constant arrival rate.
              mode=http            http (FSPIOP over HTTP, callbacks back) or core (Kafka commands and events)
              scenario=uniform     uniform | hot-payer (one payer sends 70%) | mix (rejects, expiries, NDC breaches)
                                   | ramp (uniform, rate rising by step= every stepSeconds= from rate= up to
                                     rateMax=, until a step misses the bar: 99% committed within barMs=)
              step=100 stepSeconds=30 rateMax=5000 barMs=1000   the ramp's steps and latency bar
              rate=500             new transfers per second, open loop
              seconds=60           measured window, after the warm-up
              warmup=10            seconds before the measured window, the rate climbing from 1/5 of the target
              bound=30             a transfer not finished this many seconds after its intended start is a drop
              dfsps=10             simulated DFSPs; each pays and is paid
              reject=0.05 expire=0.02 ndc=0.02   shares in the mix scenario
              inflight=50000       transfers in flight at most; beyond it arrivals are counted as drops
              queries=0            queries/s at the query API while the transfers flow (transfer by id and
                                   positions, alternately, each as the DFSP itself), open loop; 0 for none
              gateway=             FSPIOP API base URL of an external hub (default: start the embedded hub), or
                                   several, comma-separated, one per gateway process: DFSP i sends through the
                                   i-th modulo their number
              admin=  token=       its admin API base URL and operator credential
              query=               its query API base URL, for queries= (embedded: known)
              db=                  its PostgreSQL JDBC URL, for the read-store gate (embedded: known)
              callbackHost=127.0.0.1   address the hub reaches the simulated DFSPs at
              heap=3g partitions=8 the embedded hub's heap and topic partitions
              split=false          true: the embedded hub as five processes, one per service (the first with the
                                   broker, database and registry and the transfers handler; then participants,
                                   projections, query and gateway), each with heap=; their CPU is the hub's
              gateways=1           gateway processes of the embedded hub; beyond the first, each is a process of
                                   its own (gateway only), and DFSPs are spread over them as over gateway= URLs
              peers=0              more processes beside the embedded hub, each running every service again (its
                                   own gateway, an instance of each handler, a standby projection, a query API):
                                   peers=1 is two gateways into two instances of each handler
              hubOpts=             extra JVM options for the embedded hub, separated by ';' (e.g.
                                   -XX:StartFlightRecording=...;-Xlog:gc:file=gc.log); a collector
                                   (-XX:+UseZGC) replaces the hub's default ParallelGC
              cpus=                pin the generator to these CPUs (taskset list, e.g. 1)
              out=target/ftps      where the JSON and HTML reports go
            """;

    static LoadSettings parse(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("arguments are key=value, got '" + arg + "'\n" + USAGE);
            }
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String scenario = a.getOrDefault("scenario", "uniform");
        boolean mix = scenario.equals("mix");
        var s = new LoadSettings(a.getOrDefault("mode", "http"), scenario,
                Integer.parseInt(a.getOrDefault("rate", "500")), Integer.parseInt(a.getOrDefault("seconds", "60")),
                Integer.parseInt(a.getOrDefault("warmup", "10")), Integer.parseInt(a.getOrDefault("bound", "30")),
                Integer.parseInt(a.getOrDefault("dfsps", "10")),
                mix ? Double.parseDouble(a.getOrDefault("reject", "0.05")) : 0,
                mix ? Double.parseDouble(a.getOrDefault("expire", "0.02")) : 0,
                mix ? Double.parseDouble(a.getOrDefault("ndc", "0.02")) : 0,
                Integer.parseInt(a.getOrDefault("inflight", "50000")),
                a.get("gateway"), a.get("admin"), a.get("token"), a.get("db"),
                a.getOrDefault("callbackHost", "127.0.0.1"), a.getOrDefault("heap", "3g"), a.getOrDefault("hubOpts", ""),
                Integer.parseInt(a.getOrDefault("partitions", "8")), a.get("cpus"),
                Path.of(a.getOrDefault("out", "target/ftps")),
                Integer.parseInt(a.getOrDefault("step", "100")), Integer.parseInt(a.getOrDefault("stepSeconds", "30")),
                Integer.parseInt(a.getOrDefault("rateMax", "5000")), Integer.parseInt(a.getOrDefault("barMs", "1000")),
                Integer.parseInt(a.getOrDefault("queries", "0")), a.get("query"),
                Boolean.parseBoolean(a.getOrDefault("split", "false")), Integer.parseInt(a.getOrDefault("gateways", "1")),
                Integer.parseInt(a.getOrDefault("peers", "0")));
        if (!s.mode.equals("http") && !s.mode.equals("core")) {
            throw new IllegalArgumentException("mode is http or core\n" + USAGE);
        }
        if (!scenario.matches("uniform|hot-payer|mix|ramp")) {
            throw new IllegalArgumentException("scenario is uniform, hot-payer, mix or ramp\n" + USAGE);
        }
        if (s.step <= 0 || s.stepSeconds < 5 || s.barMs <= 0) {
            throw new IllegalArgumentException("step and barMs must be positive, stepSeconds at least 5\n" + USAGE);
        }
        if (s.rate <= 0 || s.seconds <= 0 || s.dfsps < 2 || s.boundSeconds <= 0) {
            throw new IllegalArgumentException("rate, seconds and bound must be positive and dfsps at least 2\n" + USAGE);
        }
        if (s.gateway != null && (s.admin == null || s.operatorToken == null)) {
            throw new IllegalArgumentException("an external hub needs gateway=, admin= and token=\n" + USAGE);
        }
        if (s.queries < 0 || s.queries > 0 && s.gateway != null && s.queryApi == null) {
            throw new IllegalArgumentException("queries is 0 or more; against an external hub it needs query=\n" + USAGE);
        }
        if (s.gateways < 1 || s.peers < 0 || s.gateway != null && (s.split || s.gateways > 1 || s.peers > 0)) {
            throw new IllegalArgumentException("gateways is 1 or more, peers 0 or more; split=, gateways= and peers= shape "
                    + "the embedded hub only\n" + USAGE);
        }
        if (s.gateway != null && s.mode.equals("core")) {
            throw new IllegalArgumentException("core mode runs against the embedded hub only\n" + USAGE);
        }
        return s;
    }

    boolean ramp() {
        return scenario.equals("ramp");
    }

    boolean embedded() {
        return gateway == null;
    }

    /** The external hub's gateway URLs, one per gateway process. */
    java.util.List<String> gatewayUrls() {
        return java.util.Arrays.stream(gateway.split(",")).map(String::trim).filter(u -> !u.isEmpty()).toList();
    }
}
