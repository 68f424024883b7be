package dev.mizani.embedded;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the hub's Kafka, PostgreSQL and schema registry are. Each external address, when set, replaces
 * the embedded piece; with none set the whole runtime is embedded and keeps its data in {@code dataDir}.
 *
 * <table>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>MIZANI_DATA_DIR</td><td>./data</td><td>embedded broker logs, database files, registry log</td></tr>
 * <tr><td>MIZANI_KAFKA_BOOTSTRAP</td><td>(embedded)</td><td>external Kafka bootstrap servers</td></tr>
 * <tr><td>MIZANI_KAFKA_PORT</td><td>9092</td><td>embedded broker port, 0 for any free port</td></tr>
 * <tr><td>MIZANI_KAFKA_PARTITIONS</td><td>8</td><td>partitions of topics the hub creates</td></tr>
 * <tr><td>MIZANI_DB_URL</td><td>(embedded)</td><td>external PostgreSQL JDBC URL</td></tr>
 * <tr><td>MIZANI_DB_USER / MIZANI_DB_PASSWORD</td><td>postgres / empty</td><td>its credentials</td></tr>
 * <tr><td>MIZANI_DB_PORT</td><td>15432</td><td>embedded PostgreSQL port, 0 for any free port</td></tr>
 * <tr><td>MIZANI_DB_SETTINGS</td><td>(none)</td><td>extra embedded PostgreSQL server settings,
 *     {@code name=value} separated by {@code ;}, e.g. {@code shared_preload_libraries=pg_stat_statements}</td></tr>
 * <tr><td>MIZANI_REGISTRY_URL</td><td>(embedded)</td><td>external Confluent-compatible registry base URL</td></tr>
 * <tr><td>MIZANI_REGISTRY_PORT</td><td>8081</td><td>embedded registry port, 0 for any free port</td></tr>
 * <tr><td>MIZANI_REGISTRY_HEAP_MB</td><td>384</td><td>embedded registry JVM heap</td></tr>
 * </table>
 */
public record InfrastructureSettings(
        Path dataDir,
        String kafkaBootstrap,
        int kafkaPort,
        int kafkaPartitions,
        String dbUrl,
        String dbUser,
        String dbPassword,
        int dbPort,
        Map<String, String> dbSettings,
        String registryUrl,
        int registryPort,
        int registryHeapMb) {

    public static InfrastructureSettings fromEnv(Map<String, String> env) {
        return new InfrastructureSettings(
                Path.of(env.getOrDefault("MIZANI_DATA_DIR", "data")).toAbsolutePath(),
                blankToNull(env.get("MIZANI_KAFKA_BOOTSTRAP")),
                intOf(env, "MIZANI_KAFKA_PORT", 9092),
                intOf(env, "MIZANI_KAFKA_PARTITIONS", 8),
                blankToNull(env.get("MIZANI_DB_URL")),
                env.getOrDefault("MIZANI_DB_USER", EmbeddedPostgresServer.USER),
                env.getOrDefault("MIZANI_DB_PASSWORD", ""),
                intOf(env, "MIZANI_DB_PORT", 15432),
                serverSettings(env.get("MIZANI_DB_SETTINGS")),
                blankToNull(env.get("MIZANI_REGISTRY_URL")),
                intOf(env, "MIZANI_REGISTRY_PORT", 8081),
                intOf(env, "MIZANI_REGISTRY_HEAP_MB", 384));
    }

    /** Everything embedded on free ports in {@code dataDir}: what tests use. */
    public static InfrastructureSettings embeddedOnFreePorts(Path dataDir) {
        return new InfrastructureSettings(dataDir, null, 0, 8, null, EmbeddedPostgresServer.USER, "", 0, Map.of(), null, 0,
                384);
    }

    public static int intOf(Map<String, String> env, String name, int fallback) {
        long value = longOf(env, name, fallback);
        if (value != (int) value) {
            throw new IllegalArgumentException(name + " must be at most " + Integer.MAX_VALUE + ", was " + value);
        }
        return (int) value;
    }

    public static long longOf(Map<String, String> env, String name, long fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was '" + value + "'", e);
        }
    }

    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    /**
     * {@code name=value;name=value}: settings passed to the embedded server on top of its own (a name given
     * here wins). A malformed pair fails start-up here, naming the variable; PostgreSQL itself refuses to start
     * on a setting it does not know, with the reason in its log.
     */
    static Map<String, String> serverSettings(String value) {
        if (value == null || value.isBlank()) {
            return Map.of();
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String pair : value.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? "" : pair.substring(0, eq).trim();
            if (!SETTING_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("MIZANI_DB_SETTINGS must be name=value pairs separated by ';', "
                        + "was '" + value + "'");
            }
            settings.put(name, pair.substring(eq + 1).trim());
        }
        return Collections.unmodifiableMap(settings);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
