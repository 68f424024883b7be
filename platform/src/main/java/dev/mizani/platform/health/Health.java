package dev.mizani.platform.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a process knows of its own health: named checks (the database, each command handler, the projection,
 * the ledger audit...), each asked when someone asks, so an answer is never older than its check's own
 * caching. Every API serves it at {@code GET /health} and {@code GET /health/ready}: 200 when every check is up,
 * else 503, with each check's detail, so a load balancer and an operator read the same thing; and {@code GET
 * /health/live}, which is up whenever the process answers at all (see {@link #probe}).
 */
public final class Health {
    /** The paths {@link #probe} answers. */
    public static final java.util.List<String> PATHS = java.util.List.of("/health", "/health/ready", "/health/live");
    private static final Report LIVE = new Report(true, Map.of());

    /** One check's answer: up or not, and a short reason a person can act on. */
    public record Check(boolean up, String detail) {
        public static Check up(String detail) {
            return new Check(true, detail);
        }

        public static Check down(String detail) {
            return new Check(false, detail);
        }
    }

    /** Every check's answer at one moment. */
    public record Report(boolean up, Map<String, Check> checks) {
        public int httpStatus() {
            return up ? 200 : 503;
        }

        /** {@code {"status":"UP","checks":{"database":{"status":"UP","detail":"..."}}}} */
        public String toJson() {
            StringBuilder json = new StringBuilder(64 + 64 * checks.size());
            json.append("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"checks\":{");
            boolean first = true;
            for (Map.Entry<String, Check> e : checks.entrySet()) {
                json.append(first ? "" : ",");
                first = false;
                quoted(json, e.getKey()).append(":{\"status\":\"").append(e.getValue().up() ? "UP" : "DOWN")
                        .append("\",\"detail\":");
                quoted(json, e.getValue().detail()).append('}');
            }
            return json.append("}}").toString();
        }
    }

    private final Map<String, Supplier<Check>> checks = new LinkedHashMap<>();

    /** Adds (or replaces) a check; it must answer quickly and never throw for a failure it can describe. */
    public synchronized Health register(String name, Supplier<Check> check) {
        checks.put(name, check);
        return this;
    }

    /**
     * The answer to one of {@link #PATHS}. Liveness asks no check: an orchestrator restarts a process that fails it,
     * and a hub waiting for its database or broker would not be helped by a restart; readiness (and plain
     * {@code /health}) is every check, which takes the process out of a load balancer until it can serve.
     */
    public Report probe(String path) {
        return path.equals("/health/live") ? LIVE : report();
    }

    public synchronized Report report() {
        Map<String, Check> answers = new LinkedHashMap<>();
        boolean up = true;
        for (Map.Entry<String, Supplier<Check>> e : checks.entrySet()) {
            Check answer;
            try {
                answer = e.getValue().get();
            } catch (RuntimeException failure) {
                answer = Check.down("the check failed: " + failure);
            }
            answers.put(e.getKey(), answer);
            up &= answer.up();
        }
        return new Report(up, answers);
    }

    private static StringBuilder quoted(StringBuilder json, String text) {
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
