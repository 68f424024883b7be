package dev.mizani.loadtest.ftps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
    void thePartsOfAProcessAddUpToNoMoreThanItsTotal() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc on this system");
        long pid = ProcessHandle.current().pid();
        long spin = System.nanoTime() + 200_000_000L;
        double x = 0;
        while (System.nanoTime() < spin) { // some CPU for the main thread to show
            x += Math.sqrt(x + 1);
        }
        Map<String, Double> parts = CpuParts.sample(pid, Stream.empty(), Stream.empty());
        double total = HubProcess.procCpuSeconds(pid);

        assertThat(parts.keySet()).containsExactlyElementsOf(Arrays.stream(CpuParts.Part.values()).map(p -> p.label).toList());
        double sum = parts.values().stream().mapToDouble(Double::doubleValue).sum();
        assertThat(sum).as("spun %.1f", x).isPositive().isLessThanOrEqualTo(total + 0.02);
        assertThat(parts.get(CpuParts.Part.OTHER.label)).as("the test's main thread").isPositive();
    }
}
