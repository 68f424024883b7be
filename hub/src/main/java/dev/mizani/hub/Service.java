package dev.mizani.hub;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The services a hub process can run. One process runs them all by default (the embedded hub); a deployment runs
 * them in separate processes, any number of each, over one Kafka cluster, PostgreSQL and registry, by naming them in
 * {@code MIZANI_SERVICES}.
 */
public enum Service {
    /** The transfers command handler, its expiry scheduler, and the policy turning participant events into its commands. */
    TRANSFERS("transfers-command"),
    /** The participants command handler, its payee directory, and the policy turning transfer events into its commands. */
    PARTICIPANTS("participants-command"),
    /** The projection handler: the read store and its ledger audit (one instance writes, the others stand by). */
    PROJECTIONS("projections"),
    /** The FSPIOP transfers API, central-ledger's admin API, and the callback notifier. */
    GATEWAY("api-gateway"),
    /** The query API over the read store, with {@code /metrics}. */
    QUERY("query-api");

    /** The name of the service's runnable: {@code java ... dev.mizani.hub.Main api-gateway}, as a container's argument. */
    public final String runnable;

    Service(String runnable) {
        this.runnable = runnable;
    }

    /** The service whose runnable {@code name} is. */
    public static Service ofRunnable(String name) {
        return Arrays.stream(values()).filter(s -> s.runnable.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service runnable " + name + "; the runnables are "
                        + Arrays.stream(values()).map(s -> s.runnable).collect(Collectors.joining(", "))));
    }

    /** {@code MIZANI_SERVICES}: {@code all} (the default), or names separated by commas: transfers,participants,... */
    public static Set<Service> parse(String value) {
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("all")) {
            return EnumSet.allOf(Service.class);
        }
        Set<Service> services = EnumSet.noneOf(Service.class);
        for (String name : value.split(",")) {
            String n = name.trim().toUpperCase(Locale.ROOT);
            if (n.isEmpty()) {
                continue;
            }
            try {
                services.add(Service.valueOf(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("MIZANI_SERVICES names " + name.trim() + ": 'all' or any of "
                        + Arrays.stream(values()).map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
            }
        }
        if (services.isEmpty()) {
            throw new IllegalArgumentException("MIZANI_SERVICES names no service");
        }
        return services;
    }
}
