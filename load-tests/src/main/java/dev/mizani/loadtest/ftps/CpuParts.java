package dev.mizani.loadtest.ftps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The embedded hub's CPU split by what spends it, so a run says what limits it: each thread of the hub's JVM
 * is put in a part by its name (as Linux keeps it, cut to 15 characters), PostgreSQL and any other process the
 * hub started are parts of their own. Read from {@code /proc}; empty where there is none.
 *
 * <p>A thread that ended during the window takes its counter with it, which mostly means virtual-thread carriers
 * the pool retired; the run reports that as the difference between the hub's total and the parts.
 */
final class CpuParts {
    /** The parts, in the order a report lists them. */
    enum Part {
        HTTP("HTTP in and out (gateway, query API, callbacks)"),
        POSTGRES("PostgreSQL"),
        BROKER("Kafka broker"),
        CLIENT_IO("Kafka clients' I/O threads"),
        HANDLERS("command handlers"),
        POLICIES("policies (Kafka Streams)"),
        PROJECTIONS("projections"),
        FOLLOWERS("gateway's callback loop and participant views"),
        EXPIRY("expiry scheduler"),
        JIT("JIT compilers"),
        GC("GC and other JVM threads"),
        OTHER_PROCESSES("schema registry and other processes"),
        OTHER("other hub threads");

        final String label;

        Part(String label) {
            this.label = label;
        }
    }

    private CpuParts() {
    }

    /** The part a hub thread's CPU belongs to, by its Linux name (the Java name's first 15 characters). */
    static Part partOf(String n) {
        if (n.startsWith("ForkJoinPool-") || n.equals("MasterPoller") || n.startsWith("VirtualThread-")
                || n.endsWith("-Poller") || n.startsWith("helidon") || n.startsWith("callback-http")
                || n.startsWith("fspiop-http") || n.startsWith("transfer-lookup")) {
            return Part.HTTP;
        }
        if (n.startsWith("kafka-producer-") || n.startsWith("kafka-coordinat") || n.startsWith("kafka-admin-cli")) {
            return Part.CLIENT_IO;
        }
        if (n.startsWith("data-plane-") || n.startsWith("kafka-") || n.startsWith("executor-") || n.startsWith("broker-")
                || n.startsWith("group-coordinat") || n.startsWith("share-coordinat") || n.startsWith("quorum-")
                || n.startsWith("ExpirationReape") || n.startsWith("raft-") || n.startsWith("controller-")) {
            return Part.BROKER;
        }
        if (n.startsWith("processor-")) {
            return Part.HANDLERS;
        }
        if (n.startsWith("transfers-polic") || n.startsWith("participants-po")) {
            return Part.POLICIES;
        }
        if (n.startsWith("projection")) {
            return Part.PROJECTIONS;
        }
        if (n.startsWith("callback-notifi") || n.startsWith("participants-vi") || n.startsWith("participant-dir")) {
            return Part.FOLLOWERS;
        }
        if (n.startsWith("expiry-")) {
            return Part.EXPIRY;
        }
        if (n.contains("CompilerThre")) {
            return Part.JIT;
        }
        if (n.startsWith("GC Thread") || n.startsWith("VM ") || n.startsWith("G1 ") || n.startsWith("Z")) {
            return Part.GC;
        }
        return Part.OTHER;
    }

    /** CPU seconds one thread or process has used so far, and the part they count for. */
    record Counter(Part part, double seconds) {}

    /** What a report calls the CPU of threads and processes that ended between two samples. */
    static final String ENDED = "threads and processes that ended during the window";

    /**
     * CPU seconds so far of each thread of the hub's JVMs ({@code hubPids}: one, or one per process of a split hub)
     * and of each PostgreSQL and other process, keyed by thread or process id; empty where there is no /proc.
     */
    static Map<String, Counter> sample(List<Long> hubPids, Stream<ProcessHandle> postgres, Stream<ProcessHandle> others) {
        Map<String, Counter> counters = new HashMap<>();
        for (long hubPid : hubPids) {
            Path tasks = Path.of("/proc", Long.toString(hubPid), "task");
            try (Stream<Path> threads = Files.list(tasks)) {
                threads.forEach(t -> {
                    String[] stat = stat(t.resolve("stat"));
                    if (stat != null) {
                        counters.put("thread " + t.getFileName(), new Counter(partOf(stat[0]), seconds(stat)));
                    }
                });
            } catch (IOException e) {
                return Map.of();
            }
        }
        postgres.forEach(p -> counters.put("process " + p.pid(), new Counter(Part.POSTGRES, HubProcess.procCpuSeconds(p.pid()))));
        others.forEach(p -> counters.put("process " + p.pid(), new Counter(Part.OTHER_PROCESSES, HubProcess.procCpuSeconds(p.pid()))));
        return counters;
    }

    /**
     * Cores each part used between two samples {@code seconds} apart, by label in report order, from what each
     * thread and process alive at the end used since the start (all of it when it started later). What ended in
     * between took its counter with it: it is {@code totalCores} less the parts, under {@link #ENDED}.
     */
    static Map<String, Double> coresByPart(Map<String, Counter> start, Map<String, Counter> end, double seconds,
                                           double totalCores) {
        Map<String, Double> cores = new LinkedHashMap<>();
        if (end.isEmpty()) {
            return cores;
        }
        for (Part p : Part.values()) {
            cores.put(p.label, 0.0);
        }
        double listed = 0;
        for (var e : end.entrySet()) {
            Counter before = start.get(e.getKey());
            double used = (e.getValue().seconds() - (before == null ? 0 : before.seconds())) / seconds;
            cores.merge(e.getValue().part().label, used, Double::sum);
            listed += used;
        }
        cores.put(ENDED, Math.max(0, totalCores - listed));
        return cores;
    }

    /** The name, then the fields after it, of a /proc stat file; null once the thread is gone. */
    static String[] stat(Path file) {
        try {
            String s = Files.readString(file);
            int open = s.indexOf('(');
            int close = s.lastIndexOf(')');
            String[] fields = s.substring(close + 2).split(" ");
            String[] out = new String[fields.length + 1];
            out[0] = s.substring(open + 1, close);
            System.arraycopy(fields, 0, out, 1, fields.length);
            return out;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** utime + stime (fields 14 and 15 of the stat line) in seconds; USER_HZ is 100 on Linux. */
    static double seconds(String[] stat) {
        return (Long.parseLong(stat[12]) + Long.parseLong(stat[13])) / 100.0;
    }
}
