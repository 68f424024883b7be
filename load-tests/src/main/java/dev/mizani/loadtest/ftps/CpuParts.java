package dev.mizani.loadtest.ftps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The embedded hub's CPU split by what spends it, so a run says what limits it: each thread of the hub's JVM
 * is put in a part by its name (as Linux keeps it, cut to 15 characters), PostgreSQL and any other process the
 * hub started are parts of their own. Read from {@code /proc}; empty where there is none.
 *
 * <p>A thread that ended during the window takes its CPU with it, which mostly means virtual-thread carriers
 * the pool retired; the run reports that as the difference between the hub's total and the parts.
 */
final class CpuParts {
    /** The parts, in the order a report lists them. */
    enum Part {
        HTTP("HTTP in and out (virtual threads: gateway, callbacks, query API)"),
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
    static Part partOf(String threadName) {
        String n = threadName;
        if (n.startsWith("ForkJoinPool-") || n.equals("MasterPoller") || n.startsWith("VirtualThread-")
                || n.endsWith("-Poller") || n.startsWith("helidon")) {
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

    /**
     * CPU seconds so far by part: the threads of {@code hubPid}, and whole processes for PostgreSQL and the hub's
     * other descendants.
     */
    static Map<String, Double> sample(long hubPid, Stream<ProcessHandle> postgres, Stream<ProcessHandle> others) {
        Map<String, Double> parts = new LinkedHashMap<>();
        for (Part p : Part.values()) {
            parts.put(p.label, 0.0);
        }
        Path tasks = Path.of("/proc", Long.toString(hubPid), "task");
        try (Stream<Path> threads = Files.list(tasks)) {
            threads.forEach(t -> {
                String[] stat = stat(t.resolve("stat"));
                if (stat != null) {
                    parts.merge(partOf(stat[0]).label, seconds(stat), Double::sum);
                }
            });
        } catch (IOException e) {
            return Map.of();
        }
        postgres.forEach(p -> parts.merge(Part.POSTGRES.label, HubProcess.procCpuSeconds(p.pid()), Double::sum));
        others.forEach(p -> parts.merge(Part.OTHER_PROCESSES.label, HubProcess.procCpuSeconds(p.pid()), Double::sum));
        return parts;
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
