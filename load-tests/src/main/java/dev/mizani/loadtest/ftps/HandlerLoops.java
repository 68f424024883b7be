package dev.mizani.loadtest.ftps;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each command handler's loop spent the measured window, from the hub's {@code /metrics} read at the
 * window's start and end: the share of wall time in each stage (waiting for a poll to fill, deciding, waiting for
 * the batch before to commit; and on the commit stage beside the loop, committing and publishing), batches per
 * second and their mean size. A loop that decides or waits for its commit stage nearly all the time is saturated,
 * whether or not the machine has idle CPU: each handler decides one batch while it commits the one before.
 */
final class HandlerLoops {
    private static final Pattern STAGE = Pattern.compile(
            "^mizani_processor_stage_seconds_(sum|count)\\{processor=\"([^\"]+)\",stage=\"([^\"]+)\"} (\\S+)$");
    private static final Pattern BATCH = Pattern.compile(
            "^mizani_processor_batch_records_(sum|count)\\{processor=\"([^\"]+)\"} (\\S+)$");
    static final String[] STAGES = {"poll", "decide", "await", "commit", "publish"};

    /**
     * One handler over the window. {@code pipelined}: the hub commits beside the loop (it reports the await stage);
     * a build before that committed and published on the loop's own thread.
     */
    record Loop(Map<String, Double> stageShare, double batchesPerSecond, double meanBatch, boolean pipelined) {
        /** The share of the window the loop spent on a batch in hand rather than waiting for the poll. */
        double working() {
            return pipelined ? stageShare.get("decide") + stageShare.get("await")
                    : stageShare.get("decide") + stageShare.get("commit") + stageShare.get("publish");
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> sources;
    private final String token;

    /**
     * @param sources base URLs whose {@code /metrics} name the handlers: the query API of a hub in one process, the
     *                handlers' own processes of a split one; empty when unknown (nothing is then read or reported)
     */
    HandlerLoops(List<String> sources, String token) {
        this.sources = sources;
        this.token = token;
    }

    /** The counters now, by series, over every source; empty when one cannot be asked (then the report says nothing). */
    Map<String, Double> read() {
        Map<String, Double> all = new LinkedHashMap<>();
        for (String source : sources) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(source + "/metrics"))
                        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    System.out.printf("cannot read the hub's metrics at %s (HTTP %d); no handler-loop figures%n", source,
                            r.statusCode());
                    return Map.of();
                }
                parse(r.body()).forEach((series, value) -> all.merge(series, value, Double::sum));
            } catch (Exception e) {
                System.out.printf("cannot read the hub's metrics at %s (%s); no handler-loop figures%n", source, e);
                return Map.of();
            }
        }
        return all;
    }

    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        text.lines().forEach(line -> {
            Matcher m = STAGE.matcher(line);
            if (m.matches()) {
                out.put(m.group(2) + "/" + m.group(3) + "/" + m.group(1), Double.parseDouble(m.group(4)));
                return;
            }
            m = BATCH.matcher(line);
            if (m.matches()) {
                out.put(m.group(2) + "/batch/" + m.group(1), Double.parseDouble(m.group(3)));
            }
        });
        return out;
    }

    /** Each handler's loop between two readings {@code seconds} apart; empty if either reading is. */
    static Map<String, Loop> between(Map<String, Double> start, Map<String, Double> end, double seconds) {
        Map<String, Loop> out = new TreeMap<>();
        if (start.isEmpty() || end.isEmpty()) {
            return out;
        }
        for (String key : end.keySet()) {
            if (!key.endsWith("/batch/count")) {
                continue;
            }
            String processor = key.substring(0, key.indexOf('/'));
            Map<String, Double> shares = new LinkedHashMap<>();
            for (String stage : STAGES) {
                shares.put(stage, delta(start, end, processor + "/" + stage + "/sum") / seconds);
            }
            double batches = delta(start, end, key);
            double records = delta(start, end, processor + "/batch/sum");
            out.put(processor, new Loop(shares, batches / seconds, batches == 0 ? 0 : records / batches,
                    end.containsKey(processor + "/await/sum")));
        }
        return out;
    }

    private static double delta(Map<String, Double> start, Map<String, Double> end, String key) {
        return end.getOrDefault(key, 0.0) - start.getOrDefault(key, 0.0);
    }

    /** One line per handler, as printed in the summary. */
    static String describe(String processor, Loop loop) {
        StringBuilder b = new StringBuilder(String.format("  loop: %-12s", processor));
        loop.stageShare().forEach((stage, share) -> b.append(String.format(" %s %3.0f%%", stage, share * 100)));
        return b.append(String.format("  (working %3.0f%%);  %.1f batches/s of %.0f records", loop.working() * 100,
                loop.batchesPerSecond(), loop.meanBatch())).toString();
    }
}
