package dev.mizani.loadtest.readside;

import static dev.mizani.loadtest.bench.FoundationBenchmark.median;

import com.zaxxer.hikari.HikariDataSource;
import dev.mizani.embedded.Infrastructure;
import dev.mizani.embedded.InfrastructureSettings;
import dev.mizani.hub.HubServices;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.eventstore.Database;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.kafka.TopicFollower;
import dev.mizani.platform.security.Credentials;
import dev.mizani.projections.ProjectionHandler;
import dev.mizani.projections.Rebuild;
import dev.mizani.query.QueryApi;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import dev.mizani.transfers.domain.TransferCommand;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The read side's figures on this machine, on the embedded stack with every hub service running:
 * <ul>
 *   <li><b>rebuild</b>: events/s replayed from the event store into a fresh table set (the replay phase of
 *       {@link Rebuild}), after {@code transfers} transfers were prepared and committed; each run also
 *       reports whether the rebuilt set equalled the live one;</li>
 *   <li><b>query</b>: latency of transfer-by-id and positions queries over HTTP at {@code qps} queries/s,
 *       open loop (measured from each query's scheduled start, so a slow answer cannot hide the ones queued
 *       behind it), while transfers keep flowing at {@code tps}.</li>
 * </ul>
 * Usage: {@code [runs] [transfers] [qps] [tps] [seconds]}; defaults 3 20000 1000 200 20.
 */
public final class ReadSideBenchmark {
    private static final String OPERATOR = Credentials.issue();

    private ReadSideBenchmark() {}

    public static void main(String[] args) throws Exception {
        int runs = arg(args, 0, 3);
        int transfers = arg(args, 1, 20_000);
        int qps = arg(args, 2, 1_000);
        int tps = arg(args, 3, 200);
        int seconds = arg(args, 4, 20);
        Path dir = Files.createTempDirectory("mizani-readside-");
        Infrastructure infra = Infrastructure.start(InfrastructureSettings.embeddedOnFreePorts(dir));
        Runtime.getRuntime().addShutdownHook(new Thread(infra::close, "bench-stop"));
        try (HikariDataSource ds = Database.connect(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword(), 24)) {
            HubServices.prepare(ds, infra.kafkaBootstrap(), 8);
            CachedSchemaRegistry registry = new CachedSchemaRegistry(
                    new SchemaRegistryClient(infra.registryUrl(), Duration.ofSeconds(10)));
            HubServices hub = new HubServices(infra.kafkaBootstrap(), ds, registry, Clock.systemUTC(),
                    dir.resolve("streams"), Map.of(), ProcessorHooks.NONE);
            ProjectionHandler projections = new ProjectionHandler(ds, infra.kafkaBootstrap(), registry,
                    ProjectionHandler.Settings.defaults(), ProjectionHandler.Hooks.NONE).start();
            Traffic traffic = new Traffic(infra.kafkaBootstrap(), registry, hub);
            traffic.onboard(10);

            long start = System.nanoTime();
            traffic.send(transfers, Integer.MAX_VALUE);
            traffic.awaitCommitted(transfers, ds);
            awaitCaughtUp(projections);
            System.out.printf("load: %,d transfers prepared, committed and projected in %.1f s%n", transfers,
                    (System.nanoTime() - start) / 1e9);

            List<Double> rates = new ArrayList<>();
            for (int run = 0; run <= runs; run++) {
                Rebuild.Report r = new Rebuild(ds, projections).run(false);
                String line = String.format("%,.0f events/s (%,d events in %,d ms), rebuilt %s live", r.eventsPerSecond(),
                        r.eventsReplayed(), r.replayMillis(), r.differences().isEmpty() ? "equals" : "DIFFERS FROM " + r.differences());
                if (run == 0) {
                    System.out.println("warm-up rebuild: " + line + " (discarded)");
                } else {
                    rates.add(r.eventsPerSecond());
                    System.out.println("run " + run + " rebuild: " + line);
                }
            }

            QueryApi query = new QueryApi(ds, projections::lag, () -> new Rebuild(ds, projections),
                    hub.metrics, hub.health,
                    new QueryApi.Settings("127.0.0.1", 0, Credentials.sha256Hex(OPERATOR), 500,
                            new dev.mizani.platform.security.CredentialKey(Credentials.issue()))).start();
            List<String> ids = traffic.committedIds();
            List<Double> p99ById = new ArrayList<>();
            List<Double> p99Positions = new ArrayList<>();
            for (int run = 0; run <= runs; run++) {
                Thread background = Thread.ofPlatform().start(() -> traffic.send(tps * seconds, tps));
                Latencies l = queryLoad(query.port(), ids, traffic.participants(), qps, Duration.ofSeconds(seconds));
                background.join();
                String line = String.format("transfer by id p50 %.2f ms p99 %.2f ms max %.1f ms (%,d); positions p50 %.2f ms "
                                + "p99 %.2f ms max %.1f ms (%,d); %d errors, at %d queries/s with %d transfers/s flowing",
                        l.byId.percentile(50), l.byId.percentile(99), l.byId.percentile(100), l.byId.count(),
                        l.positions.percentile(50), l.positions.percentile(99), l.positions.percentile(100),
                        l.positions.count(), l.errors.get(), qps, tps);
                if (run == 0) {
                    System.out.println("warm-up queries: " + line + " (discarded)");
                } else {
                    p99ById.add(l.byId.percentile(99));
                    p99Positions.add(l.positions.percentile(99));
                    System.out.println("run " + run + " queries: " + line);
                }
            }
            System.out.println();
            System.out.printf("rebuild from the event store, events/s, median of %d: %,.0f   runs %s%n", runs, median(rates), rates);
            System.out.printf("transfer by id p99 ms, median of %d: %.2f   runs %s%n", runs, median(p99ById), p99ById);
            System.out.printf("positions p99 ms, median of %d: %.2f   runs %s%n", runs, median(p99Positions), p99Positions);
            query.close();
            projections.close();
            traffic.close();
            hub.close();
        }
        System.exit(0);
    }

    // ---- query load ----

    private record Latencies(Histogram byId, Histogram positions, AtomicInteger errors) {}

    private static Latencies queryLoad(int port, List<String> ids, List<String> participants, int qps, Duration length)
            throws InterruptedException {
        // HTTP/1.1 keep-alive: the default (HTTP/2) offers an h2c upgrade on every new connection.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        Latencies l = new Latencies(new Histogram(), new Histogram(), new AtomicInteger());
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long periodNs = 1_000_000_000L / qps;
        long begin = System.nanoTime();
        long total = length.toSeconds() * qps;
        AtomicInteger issued = new AtomicInteger();
        var threads = Executors.newVirtualThreadPerTaskExecutor();
        ticker.scheduleAtFixedRate(() -> {
            // every query due by now is issued, each timed from when it was due
            long now = System.nanoTime();
            while (issued.get() < total && begin + issued.get() * periodNs <= now) {
                long due = begin + issued.getAndIncrement() * periodNs;
                boolean byId = (issued.get() & 1) == 0;
                String path = byId ? "/transfers/" + ids.get(ThreadLocalRandom.current().nextInt(ids.size()))
                        : "/participants/" + participants.get(ThreadLocalRandom.current().nextInt(participants.size())) + "/positions";
                threads.submit(() -> {
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .header("Authorization", "Bearer " + OPERATOR).GET().build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != 200) {
                            l.errors().incrementAndGet();
                        }
                    } catch (Exception e) {
                        l.errors().incrementAndGet();
                    }
                    (byId ? l.byId() : l.positions()).add(System.nanoTime() - due);
                });
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        while (issued.get() < total) {
            Thread.sleep(100);
        }
        ticker.shutdown();
        threads.shutdown();
        threads.awaitTermination(30, TimeUnit.SECONDS);
        return l;
    }

    /** Latencies in nanoseconds; percentiles in milliseconds. */
    private static final class Histogram {
        private final ConcurrentLinkedQueue<Long> values = new ConcurrentLinkedQueue<>();

        void add(long nanos) {
            values.add(nanos);
        }

        int count() {
            return values.size();
        }

        double percentile(double p) {
            long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1);
            return sorted[Math.max(0, index)] / 1e6;
        }
    }

    // ---- transfers ----

    /** Prepares transfers between the participants and fulfils each as soon as it is reserved, as a payee would. */
    private static final class Traffic implements AutoCloseable {
        private final HubServices hub;
        private final KafkaProducer<String, byte[]> producer;
        private final TopicFollower follower;
        private final Map<String, String[]> pending = new ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<String> committed = new ConcurrentLinkedQueue<>();
        private final List<String> participants = new ArrayList<>();

        Traffic(String bootstrap, CachedSchemaRegistry registry, HubServices hub) {
            this.hub = hub;
            this.producer = new KafkaProducer<>(KafkaClients.idempotentProducer(bootstrap, "readside-bench"));
            var events = new EventWireCodec<TransferEventEnvelope>(registry, HubTopics.TRANSFERS_EVENTS,
                    TransferEventEnvelope.getClassSchema());
            this.follower = new TopicFollower("readside-bench-payees", bootstrap, List.of(HubTopics.TRANSFERS_EVENTS), r -> {
                if (events.decode(r.value()).getPayload() instanceof TransferReserved e) {
                    String[] p = pending.remove(e.getTransferId());
                    if (p != null) {
                        command(new TransferCommand.FulfilTransfer(e.getTransferId(), e.getPayeeFsp(), p[0], "f-" + e.getTransferId(),
                                Instant.EPOCH, false));
                        committed.add(e.getTransferId());
                    }
                }
            });
        }

        void onboard(int n) throws InterruptedException {
            for (int i = 0; i < n; i++) {
                String name = "bench-dfsp-" + i;
                participants.add(name);
                for (ParticipantCommand c : List.of(new ParticipantCommand.CreateParticipant(name),
                        new ParticipantCommand.AddCurrency(name, "USD"),
                        new ParticipantCommand.SetNetDebitCap(name, "USD", Long.MAX_VALUE / 4),
                        new ParticipantCommand.RecordFundsIn(name, "USD", Long.MAX_VALUE / 4, UUID.randomUUID().toString()))) {
                    producer.send(new ProducerRecord<>(HubTopics.PARTICIPANTS_COMMANDS, name,
                            hub.participantCodec.encodeCommand(UUID.randomUUID().toString(), "bench", Instant.now(), c)));
                }
            }
            producer.flush();
            Thread.sleep(3_000); // the payee directory follows participants.events
        }

        List<String> participants() {
            return participants;
        }

        /** {@code count} prepares at up to {@code perSecond}. */
        void send(int count, int perSecond) {
            long begin = System.nanoTime();
            for (int i = 0; i < count; i++) {
                if (perSecond != Integer.MAX_VALUE) {
                    // parked, not spun: a spinning generator takes one of the two cores the hub needs
                    long due = begin + i * 1_000_000_000L / perSecond;
                    for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                int payer = ThreadLocalRandom.current().nextInt(participants.size());
                int payee = (payer + 1 + ThreadLocalRandom.current().nextInt(participants.size() - 1)) % participants.size();
                byte[] preimage = new byte[32];
                ThreadLocalRandom.current().nextBytes(preimage);
                String id = UUID.randomUUID().toString();
                pending.put(id, new String[] {b64(preimage)});
                command(new TransferCommand.PrepareTransfer(id, participants.get(payer), participants.get(payee), "1.25", "USD",
                        "ilp-" + id, b64(sha256(preimage)), Instant.now().plusSeconds(300), "hash-" + id, Instant.EPOCH));
            }
            producer.flush();
        }

        void command(TransferCommand c) {
            producer.send(new ProducerRecord<>(HubTopics.TRANSFERS_COMMANDS, c.transferId(),
                    hub.transferCodec.encodeCommand(UUID.randomUUID().toString(), c.transferId(), Instant.now(), c)));
        }

        void awaitCommitted(int count, HikariDataSource ds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            long last = -1;
            while (System.nanoTime() < deadline) {
                producer.flush();
                try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement()
                        .executeQuery("select count(*) from read.transfers where state = 'COMMITTED'")) {
                    rs.next();
                    long n = rs.getLong(1);
                    if (n >= count) {
                        return;
                    }
                    if (n / 5_000 != last / 5_000) {
                        System.out.printf("load: %,d of %,d committed and projected%n", n, count);
                    }
                    last = n;
                }
                Thread.sleep(500);
            }
            throw new IllegalStateException("transfers did not all commit within 10 minutes");
        }

        List<String> committedIds() {
            return List.copyOf(committed);
        }

        @Override
        public void close() {
            follower.close();
            producer.close();
        }
    }

    private static void awaitCaughtUp(ProjectionHandler projections) throws InterruptedException {
        Instant since = Instant.now();
        while (true) {
            ProjectionHandler.Lag lag = projections.lag();
            if (lag.measuredAt().isAfter(since) && lag.transfersEvents() == 0 && lag.participantsEvents() == 0) {
                return;
            }
            Thread.sleep(200);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static int arg(String[] args, int i, int otherwise) {
        return args.length > i ? Integer.parseInt(args[i]) : otherwise;
    }
}
