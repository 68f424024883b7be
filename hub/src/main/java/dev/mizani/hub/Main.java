package dev.mizani.hub;

import com.zaxxer.hikari.HikariDataSource;
import dev.mizani.embedded.Infrastructure;
import dev.mizani.embedded.InfrastructureSettings;
import dev.mizani.gateway.Gateway;
import dev.mizani.gateway.callbacks.CallbackNotifier;
import dev.mizani.gateway.fspiop.CompletedTimestampWindow;
import dev.mizani.gateway.security.Jws;
import dev.mizani.gateway.security.MutualTls;
import dev.mizani.gateway.transfers.TransfersGateway;
import dev.mizani.projections.ProjectionHandler;
import dev.mizani.projections.ReadStoreLag;
import dev.mizani.projections.SettlementWindows;
import dev.mizani.projections.Rebuild;
import dev.mizani.query.QueryApi;
import dev.mizani.platform.security.CredentialKey;
import dev.mizani.platform.security.Credentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import dev.mizani.platform.commandloop.ProcessorHooks;
import dev.mizani.platform.eventstore.Database;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the hub in one process. Configuration comes from environment variables
 * ({@link InfrastructureSettings} lists them); with none set, everything is embedded and kept in
 * {@code ./data}. Ctrl-C (SIGINT) or SIGTERM stops every piece in reverse order of start.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    public static final String READY_LINE = "Mizani hub ready";

    private Main() {}

    /** No argument: what {@code MIZANI_SERVICES} names; one: a service's runnable by name ({@link Service#runnable}). */
    public static void main(String[] args) throws InterruptedException {
        Service fixed = null;
        if (args.length > 0) {
            try {
                fixed = Service.ofRunnable(args[0]);
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                System.exit(2);
            }
        }
        run(fixed);
    }

    /**
     * Runs {@code fixed} (a service's own runnable, such as {@link ApiGatewayMain}), or what {@code MIZANI_SERVICES}
     * names when null; a service's runnable refuses a {@code MIZANI_SERVICES} that names anything else, so a
     * deployment cannot start a process that does other than its name says.
     */
    static void run(Service fixed) throws InterruptedException {
        // Avro 1.12 decodes generated classes only from trusted packages.
        System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES",
                System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "java.lang,java.math,java.util,org.apache.avro,dev.mizani"));
        Map<String, String> env = System.getenv();
        long startNs = System.nanoTime();
        InfrastructureSettings settings = InfrastructureSettings.fromEnv(env);
        // Registered first, so a Ctrl-C during start-up still stops whatever has started.
        Deque<AutoCloseable> running = new ConcurrentLinkedDeque<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping");
            for (AutoCloseable piece; (piece = running.pollFirst()) != null; ) {
                try {
                    piece.close();
                } catch (Exception e) {
                    log.warn("{} did not stop cleanly: {}", piece, e.toString());
                }
            }
            log.info("stopped");
            stopped.countDown();
        }, "hub-stop"));
        try {
            Set<Service> chosen = Service.parse(env.get("MIZANI_SERVICES"));
            if (fixed != null && env.get("MIZANI_SERVICES") != null && !chosen.equals(Set.of(fixed))) {
                throw new IllegalArgumentException("this is the " + fixed.runnable
                        + " runnable, and MIZANI_SERVICES names " + env.get("MIZANI_SERVICES")
                        + "; unset it, or run dev.mizani.hub.Main");
            }
            start(env, settings, fixed != null ? java.util.EnumSet.of(fixed) : chosen, running, startNs);
        } catch (RuntimeException | Error e) {
            // Whatever did start (a broker, PostgreSQL, the registry's process) keeps the JVM alive; exiting runs
            // the stop hook, so a hub that cannot start says why and leaves nothing running.
            log.error("start-up failed, stopping what had started: {}", e.toString(), e);
            System.exit(1);
        }
        stopped.await();
    }

    /** Starts each piece in turn and puts it on {@code running} as soon as it is up, so the stop hook stops it. */
    private static void start(Map<String, String> env, InfrastructureSettings settings, Set<Service> chosen,
                              Deque<AutoCloseable> running, long startNs) {
        Infrastructure infrastructure = Infrastructure.start(settings);
        running.push(infrastructure);
        HikariDataSource dataSource = Database.connect(infrastructure.jdbcUrl(), infrastructure.dbUser(),
                infrastructure.dbPassword(), InfrastructureSettings.intOf(env, "MIZANI_DB_POOL_SIZE_MAX", 16));
        running.push(dataSource);

        HubServices.prepare(dataSource, infrastructure.kafkaBootstrap(), settings.kafkaPartitions(),
                InfrastructureSettings.longOf(env, "MIZANI_TOPIC_RETENTION_MS", HubServices.TOPIC_RETENTION_MS_DEFAULT));
        SchemaRegistryClient registryClient = new SchemaRegistryClient(infrastructure.registryUrl(), Duration.ofSeconds(10));
        CachedSchemaRegistry registry = new CachedSchemaRegistry(registryClient);
        SchemaSetup.register(registryClient, registry, infrastructure.registryUrl(), Duration.ofSeconds(
                InfrastructureSettings.intOf(env, "MIZANI_REGISTRY_WAIT_S", SchemaSetup.WAIT_S_DEFAULT)));
        HubServices services = new HubServices(infrastructure.kafkaBootstrap(), dataSource, registry, Clock.systemUTC(),
                settings.dataDir().resolve("streams"), env, ProcessorHooks.NONE, chosen);
        running.push(services);
        exportRestarts(infrastructure, services.metrics);
        ProjectionHandler projections = null;
        if (chosen.contains(Service.PROJECTIONS)) {
            ProjectionHandler handler = new ProjectionHandler(dataSource, infrastructure.kafkaBootstrap(), registry,
                    ProjectionHandler.Settings.defaults().withEnv(env).withInstance(
                            KafkaClients.instanceId(env, settings.dataDir().resolve("streams")) + "-projections"),
                    ProjectionHandler.Hooks.NONE).start().export(services.metrics);
            running.push(handler);
            services.health.register("projection", () -> !handler.isRunning()
                    ? Health.Check.down("stopped; the read store no longer follows the events")
                    : handler.failingFor().toSeconds() >= 10
                    ? Health.Check.down("every batch failing for " + handler.failingFor().toSeconds() + " s")
                    : handler.writing() ? Health.Check.up("running")
                    : Health.Check.up("standing by: " + handler.standingByFor() + " writes the read store"));
            services.health.register("ledger", handler.audit()::check);
            projections = handler;
        }
        Gateway.Settings gatewaySettings = gatewaySettings(env, settings);
        Gateway gateway = null;
        if (chosen.contains(Service.GATEWAY)) {
            gateway = new Gateway(infrastructure.kafkaBootstrap(), registry, Clock.systemUTC(), gatewaySettings,
                    dataSource, new SettlementWindows(dataSource), services.metrics, services.health,
                    services::commitsBlocked);
            running.push(gateway);
        }
        QueryApi query = null;
        if (chosen.contains(Service.QUERY)) {
            Supplier<ProjectionHandler.Lag> lag;
            Supplier<Rebuild> rebuilds = null;
            if (projections != null) {
                ProjectionHandler handler = projections;
                lag = handler::lag;
                rebuilds = () -> new Rebuild(dataSource, handler);
            } else {
                ReadStoreLag measured = new ReadStoreLag(dataSource, infrastructure.kafkaBootstrap());
                running.push(measured);
                lag = measured::current;
            }
            query = new QueryApi(dataSource, lag, rebuilds, services.metrics, services.health,
                    new QueryApi.Settings(gatewaySettings.host(), InfrastructureSettings.intOf(env, "MIZANI_QUERY_PORT", 3002),
                            gatewaySettings.operatorCredentialSha256(),
                            InfrastructureSettings.intOf(env, "MIZANI_QUERY_PAGE_SIZE_MAX", 500),
                            gatewaySettings.credentialKey())).start();
            running.push(query);
        }
        if (query == null) { // no query API, which serves /metrics: health and metrics on an endpoint of their own
            OpsServer ops = new OpsServer(gatewaySettings.host(), InfrastructureSettings.intOf(env, "MIZANI_OPS_PORT", 3003),
                    services.health, services.metrics, gatewaySettings.operatorCredentialSha256()).start();
            running.push(ops);
        }

        log.info("{} in {} ms: kafka={} db={} registry={} services={}", READY_LINE, (System.nanoTime() - startNs) / 1_000_000,
                infrastructure.kafkaBootstrap(), infrastructure.jdbcUrl(), infrastructure.registryUrl(),
                chosen.stream().map(s -> s.name().toLowerCase(java.util.Locale.ROOT)).collect(Collectors.joining(",")));
        log.info(banner(env, settings, gatewaySettings.host(), gateway == null ? -1 : gateway.transfers.port(),
                gateway == null ? -1 : gateway.admin.port(), query == null ? -1 : query.port()));
    }

    /** What a new user does next: where each API is, where the operator's credential is, the first-transfer script. */
    static String banner(Map<String, String> env, InfrastructureSettings settings, String host, int transfersPort,
                         int adminPort, int queryPort) {
        String token = env.get("MIZANI_OPERATOR_TOKEN") != null && !env.get("MIZANI_OPERATOR_TOKEN").isBlank()
                ? "MIZANI_OPERATOR_TOKEN (as set)" : settings.dataDir().resolve("operator-token").toString();
        return String.join(System.lineSeparator(), "",
                "  FSPIOP transfers API   " + url(host, transfersPort) + "   for DFSPs (GET /health, /openapi.yaml)",
                "  admin API              " + url(host, adminPort) + "   central-ledger's routes, operator only",
                "  query API              " + url(host, queryPort) + "   read store, /metrics (operator)",
                "  operator credential    " + token + "   send it as Authorization: Bearer <credential>",
                "  data                   " + settings.dataDir() + "   broker, database and registry state",
                "  first transfer         java scripts/FirstTransfer.java   (onboards two DFSPs and commits one transfer)",
                "  Ctrl-C stops the hub.");
    }

    private static String url(String host, int port) {
        return port < 0 ? "(not in this process: MIZANI_SERVICES)" : "http://" + host + ":" + port;
    }

    /** How often the embedded PostgreSQL and registry were started again after dying; absent when they are external. */
    private static void exportRestarts(Infrastructure infrastructure, Metrics metrics) {
        var postgres = infrastructure.embeddedPostgres();
        if (postgres != null) {
            metrics.gauge("mizani_embedded_postgres_restarts", "Times the embedded PostgreSQL was started again after it died",
                    postgres::restarts);
        }
        var registry = infrastructure.embeddedRegistry();
        if (registry != null) {
            metrics.gauge("mizani_embedded_registry_restarts", "Times the embedded schema registry was started again after it died",
                    registry::restarts);
        }
    }

    /**
     * The gateway's settings from the environment. The operator credential is MIZANI_OPERATOR_TOKEN, or else one
     * is generated on first start into {data dir}/operator-token (owner-only), so nothing default is guessable.
     */
    static Gateway.Settings gatewaySettings(Map<String, String> env, InfrastructureSettings settings) {
        for (String gone : java.util.List.of("MIZANI_GATEWAY_SERVER", "MIZANI_CALLBACKS_CLIENT")) {
            if (env.containsKey(gone)) {
                log.warn("{} is no longer read: one HTTP stack (Netty) serves the FSPIOP API and calls back", gone);
            }
        }
        String operator = env.get("MIZANI_OPERATOR_TOKEN");
        if (operator == null || operator.isBlank()) {
            operator = storedOperatorToken(settings.dataDir().resolve("operator-token"));
        }
        int rate = InfrastructureSettings.intOf(env, "MIZANI_RATE_LIMIT_PER_SECOND", 5_000);
        return new Gateway.Settings(env.getOrDefault("MIZANI_GATEWAY_HOST", "127.0.0.1"),
                InfrastructureSettings.intOf(env, "MIZANI_GATEWAY_PORT", 3000),
                InfrastructureSettings.intOf(env, "MIZANI_ADMIN_PORT", 3001),
                Credentials.sha256Hex(operator), env.getOrDefault("MIZANI_HUB_NAME", "Hub"), rate,
                InfrastructureSettings.intOf(env, "MIZANI_RATE_LIMIT_BURST", rate), Duration.ofSeconds(10),
                Duration.ofMillis(InfrastructureSettings.intOf(env, "MIZANI_ADMIN_WAIT_MS", 5_000)),
                new CallbackNotifier.Settings(InfrastructureSettings.intOf(env, "MIZANI_CALLBACKS_IN_FLIGHT_MAX", 256), 3,
                        Duration.ofMillis(200), InfrastructureSettings.intOf(env, "MIZANI_CALLBACKS_CONNECTIONS_PER_ENDPOINT", 32),
                        KafkaClients.instanceId(env, settings.dataDir().resolve("streams")) + "-notifier",
                        Duration.ofMillis(InfrastructureSettings.intOf(env, "MIZANI_CALLBACKS_POSITION_WAIT_MS", 5_000))),
                MutualTls.fromEnv(env),
                InfrastructureSettings.intOf(env, "MIZANI_GATEWAY_LINGER_MS", TransfersGateway.COMMAND_LINGER_MS_DEFAULT),
                CredentialKey.load(env, settings.dataDir().resolve("credential-key")),
                new CompletedTimestampWindow(
                        Duration.ofMillis(InfrastructureSettings.intOf(env, "MIZANI_COMPLETED_TIMESTAMP_AHEAD_MS",
                                (int) CompletedTimestampWindow.MOJALOOP_DEFAULT.ahead().toMillis())),
                        Duration.ofSeconds(InfrastructureSettings.intOf(env, "MIZANI_COMPLETED_TIMESTAMP_BEHIND_S",
                                (int) CompletedTimestampWindow.MOJALOOP_DEFAULT.behind().toSeconds()))),
                jwsSettings(env, settings));
    }

    /**
     * FSPIOP signatures: MIZANI_JWS_SIGN=true signs what the hub says itself with the key at MIZANI_JWS_SIGNING_KEY
     * (PKCS#8 PEM; default {data dir}/jws-signing-key.pem, generated on first use with its public half beside it as
     * .pub, for the participants); MIZANI_JWS_VERIFY=true refuses participants' requests whose signature does not
     * verify with the key registered for them (3105).
     */
    static Jws.Settings jwsSettings(Map<String, String> env, InfrastructureSettings settings) {
        boolean sign = Boolean.parseBoolean(env.getOrDefault("MIZANI_JWS_SIGN", "false"));
        boolean verify = Boolean.parseBoolean(env.getOrDefault("MIZANI_JWS_VERIFY", "false"));
        Optional<PrivateKey> key = Optional.empty();
        if (sign) {
            Path file = Path.of(env.getOrDefault("MIZANI_JWS_SIGNING_KEY",
                    settings.dataDir().resolve("jws-signing-key.pem").toString()));
            key = Optional.of(Jws.signingKey(file));
            log.info("signing the hub's own FSPIOP messages with {} (public key: {}.pub when generated here)", file, file);
        }
        return new Jws.Settings(key, verify);
    }

    private static String storedOperatorToken(Path file) {
        boolean generated = !Files.exists(file);
        String token = Credentials.storedOrIssued(file);
        if (generated) {
            log.info("generated the operator credential into {} (set MIZANI_OPERATOR_TOKEN to choose one)", file);
        }
        return token;
    }
}
