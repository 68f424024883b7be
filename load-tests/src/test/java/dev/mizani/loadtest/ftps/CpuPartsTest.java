package dev.mizani.loadtest.ftps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The hub's CPU split: thread names as Linux shows them (15 characters) land in the part that spends them. */
class CpuPartsTest {

    @Test
    void namesAHubThreadShowsArePutInTheirPart() {
        Map<String, CpuParts.Part> seen = Map.ofEntries(
                Map.entry("ForkJoinPool-1-", CpuParts.Part.HTTP),
                Map.entry("MasterPoller", CpuParts.Part.HTTP),
                Map.entry("fspiop-http", CpuParts.Part.HTTP),
                Map.entry("callback-http", CpuParts.Part.HTTP),
                Map.entry("transfer-lookup", CpuParts.Part.HTTP),
                Map.entry("data-plane-kafk", CpuParts.Part.BROKER),
                Map.entry("ExpirationReape", CpuParts.Part.BROKER),
                Map.entry("kafka-1-raft-io", CpuParts.Part.BROKER),
                Map.entry("group-coordinat", CpuParts.Part.BROKER),
                Map.entry("kafka-producer-", CpuParts.Part.CLIENT_IO),
                Map.entry("kafka-coordinat", CpuParts.Part.CLIENT_IO),
                Map.entry("processor-trans", CpuParts.Part.HANDLERS),
                Map.entry("participants-po", CpuParts.Part.POLICIES),
                Map.entry("transfers-polic", CpuParts.Part.POLICIES),
                Map.entry("projections", CpuParts.Part.PROJECTIONS),
                Map.entry("callback-notifi", CpuParts.Part.FOLLOWERS),
                Map.entry("participant-dir", CpuParts.Part.FOLLOWERS),
                Map.entry("expiry-schedule", CpuParts.Part.EXPIRY),
                Map.entry("C2 CompilerThre", CpuParts.Part.JIT),
                Map.entry("GC Thread#0", CpuParts.Part.GC),
                Map.entry("metrics-meter-t", CpuParts.Part.OTHER));
        seen.forEach((thread, part) -> assertThat(CpuParts.partOf(thread)).as(thread).isEqualTo(part));
    }

    @Test
    void aProcessSampledTwiceGivesItsMainThreadsWorkToItsPart() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc on this system");
        long pid = ProcessHandle.current().pid();
        Map<String, CpuParts.Counter> before = CpuParts.sample(List.of(pid), Stream.empty(), Stream.empty());
        double totalBefore = HubProcess.procCpuSeconds(pid);
        long spin = System.nanoTime() + 300_000_000L;
        double x = 0;
        while (System.nanoTime() < spin) { // CPU for the test's own thread to show
            x += Math.sqrt(x + 1);
        }
        Map<String, CpuParts.Counter> after = CpuParts.sample(List.of(pid), Stream.empty(), Stream.empty());
        double total = HubProcess.procCpuSeconds(pid) - totalBefore;

        Map<String, Double> cores = CpuParts.coresByPart(before, after, 1.0, total);
        assertThat(cores.keySet()).startsWith(Arrays.stream(CpuParts.Part.values()).map(p -> p.label).toArray(String[]::new))
                .endsWith(CpuParts.ENDED);
        assertThat(cores.get(CpuParts.Part.OTHER.label)).as("the test's thread, spun %.1f", x).isGreaterThan(0.1);
        // /proc counts each thread in 10 ms ticks and the two reads are not one instant: a few ticks either way, while
        // counting the spin twice (or not at all) would be 0.3 off
        assertThat(cores.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(total, within(0.1));
    }

    @Test
    void aThreadThatEndsKeepsItsPartWhole() {
        var http = CpuParts.Part.HTTP;
        Map<String, CpuParts.Counter> start = Map.of("thread 1", new CpuParts.Counter(http, 10.0),
                "thread 2", new CpuParts.Counter(http, 50.0), "process 9", new CpuParts.Counter(CpuParts.Part.POSTGRES, 7.0));
        Map<String, CpuParts.Counter> end = Map.of("thread 1", new CpuParts.Counter(http, 14.0),
                "thread 3", new CpuParts.Counter(http, 1.0), "process 9", new CpuParts.Counter(CpuParts.Part.POSTGRES, 9.0));

        // over 2 s the process as a whole used 8 CPU-seconds: thread 2 used 1 of them before it ended
        Map<String, Double> cores = CpuParts.coresByPart(start, end, 2.0, 4.0);

        assertThat(cores.get(http.label)).as("thread 1's 4 s and thread 3's 1 s, not less thread 2's 50").isEqualTo(2.5);
        assertThat(cores.get(CpuParts.Part.POSTGRES.label)).isEqualTo(1.0);
        assertThat(cores.get(CpuParts.ENDED)).isEqualTo(0.5);
    }
}
