package dev.mizani.loadtest.bench;

import dev.mizani.embedded.Infrastructure;
import dev.mizani.embedded.InfrastructureSettings;
import dev.mizani.platform.eventstore.Database;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The foundation's figures on this machine, against the embedded runtime with durable commits
 * (fsync and synchronous_commit on): event-store appends/s at batch sizes 1, 100 and 1000, and the
 * command loop's drain throughput (commands consumed to events stored and published) with the probe
 * aggregate at 1 and 8 partitions. Runs are interleaved so machine noise spreads over every case; the
 * median of the runs is reported. Usage: {@code all|store|loop [runs]}.
 */
public final class FoundationBenchmark {
    private FoundationBenchmark() {}

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "all";
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("mizani-bench-");
        Infrastructure infra = Infrastructure.start(InfrastructureSettings.embeddedOnFreePorts(dir));
        // Ctrl-C or kill must not orphan the registry and PostgreSQL child processes.
        Runtime.getRuntime().addShutdownHook(new Thread(infra::close, "bench-stop"));
        try (var dataSource = Database.connect(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword(), 8)) {
            Database.migrate(dataSource);
            EventStore store = new EventStore(dataSource);
            CachedSchemaRegistry registry = new CachedSchemaRegistry(
                    new SchemaRegistryClient(infra.registryUrl(), Duration.ofSeconds(10)));
            Map<String, List<Double>> results = new LinkedHashMap<>();
            // One discarded pass first: the JIT otherwise makes the first measured run about half as fast.
            for (int run = 0; run <= runs; run++) {
                if (what.equals("all") || what.equals("store")) {
                    for (int batch : new int[] {1, 100, 1000}) {
                        double rate = new StoreAppendRun(store, registry, batch).eventsPerSecond(Duration.ofSeconds(8));
                        record(results, "event store appends/s, batch " + batch, rate, run);
                    }
                }
                if (what.equals("all") || what.equals("loop")) {
                    for (int partitions : new int[] {1, 8}) {
                        CommandLoopRun.Rates rates = new CommandLoopRun(infra, store, registry, partitions)
                                .commandsPerSecond(200_000);
                        record(results, "command loop commands/s, " + partitions + " partition(s)", rates.total(), run);
                        record(results, "command loop steady-state commands/s, " + partitions + " partition(s)", rates.steady(), run);
                    }
                }
            }
            System.out.println();
            System.out.printf("%-56s %12s   %s%n", "case", "median", "runs");
            results.forEach((name, rates) -> System.out.printf("%-56s %,12.0f   %s%n", name, median(rates),
                    rates.stream().map(r -> String.format("%,.0f", r)).toList()));
        }
    }

    private static void record(Map<String, List<Double>> results, String name, double rate, int run) {
        if (run == 0) {
            System.out.printf("warm-up: %-56s %,12.0f (discarded)%n", name, rate);
            return;
        }
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(rate);
        System.out.printf("run %d: %-56s %,12.0f%n", run, name, rate);
    }

    public static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
