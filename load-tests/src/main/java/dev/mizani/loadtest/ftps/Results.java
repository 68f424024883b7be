package dev.mizani.loadtest.ftps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mizani.loadtest.ftps.Flights.Plan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/** A run's figures, printed, and written as result.json and report.html (charts as inline SVG). */
final class Results {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 100};
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final LoadSettings s;
    private final Flights f;
    private final QueryLoad queries;
    private final Map<Plan, Long> planned;
    private final List<Double> p99PerSecond;
    final double committedPerSecond;
    final double endedPerSecond;
    final double arrivalsPerSecond;
    final long drops;
    /** Seconds of the measured window in which the hub stalled ({@link #stallSeconds}). */
    final int stallSeconds;
    final double hubCores;
    final double generatorCores;
    /** Cores each part of the hub used over the window (see {@link CpuParts}); empty without /proc. */
    final Map<String, Double> hubCoresByPart;
    final long committedInWindow;
    /** Each command handler's loop over the window (see {@link HandlerLoops}); empty when not read. */
    final Map<String, HandlerLoops.Loop> loops;

    /**
     * @param queries the query load, or null when the run sent no queries
     * @param cpuParts the hub's CPU counters by thread and process at the window's start and at its end
     * @param loops    the command handlers' loops over the window, from the hub's metrics
     */
    Results(LoadSettings s, Flights f, QueryLoad queries, Map<Plan, Long> planned, double[] cpu,
            List<Map<String, CpuParts.Counter>> cpuParts, List<Double> p99PerSecond, List<Long> inFlightPerSecond,
            Map<String, HandlerLoops.Loop> loops) {
        this.loops = loops;
        this.s = s;
        this.f = f;
        this.queries = queries;
        this.planned = planned;
        this.p99PerSecond = List.copyOf(p99PerSecond);
        this.committedInWindow = windowSum(f.committedPerSecond);
        this.committedPerSecond = committedInWindow / (double) s.seconds();
        this.endedPerSecond = windowSum(f.endedPerSecond) / (double) s.seconds();
        this.arrivalsPerSecond = windowSum(f.sentPerSecond) / (double) s.seconds();
        this.drops = f.measuredStarted.sum() - (f.measuredEnded.sum() - f.measuredLate.sum());
        this.stallSeconds = stallSeconds(f.sentPerSecond, f.endedPerSecond, List.copyOf(inFlightPerSecond),
                s.warmupSeconds(), s.warmupSeconds() + s.seconds());
        this.hubCores = (cpu[2] - cpu[0]) / s.seconds();
        this.generatorCores = (cpu[3] - cpu[1]) / s.seconds();
        this.hubCoresByPart = CpuParts.coresByPart(cpuParts.get(0), cpuParts.get(1), s.seconds(), hubCores);
    }

    /**
     * Seconds of {@code [from, to)} in which the hub stalled: fewer transfers ended than half of those due to start,
     * while more than half a second's arrivals were in flight (a backlog, not a lull in the arrivals).
     */
    static int stallSeconds(AtomicLongArray due, AtomicLongArray ended, List<Long> inFlight, int from, int to) {
        int stalls = 0;
        for (int i = from; i < to && i < due.length() && i < ended.length() && i < inFlight.size(); i++) {
            long arrivals = due.get(i);
            if (arrivals > 0 && ended.get(i) * 2 < arrivals && inFlight.get(i) * 2 > arrivals) {
                stalls++;
            }
        }
        return stalls;
    }

    private long windowSum(AtomicLongArray perSecond) {
        long sum = 0;
        for (int i = s.warmupSeconds(); i < s.warmupSeconds() + s.seconds() && i < perSecond.length(); i++) {
            sum += perSecond.get(i);
        }
        return sum;
    }

    Map<String, Long> errors() {
        Map<String, Long> out = new TreeMap<>();
        f.errors.forEach((code, n) -> out.put(code, n.sum()));
        return out;
    }

    private double cpuMicrosPerTransfer(double cores) {
        return committedInWindow == 0 ? Double.NaN : cores * s.seconds() * 1e6 / committedInWindow;
    }

    /** How the embedded hub was laid out in processes, when not as one. */
    private String layout() {
        if (!s.embedded()) {
            return s.gatewayUrls().size() > 1 ? ", " + s.gatewayUrls().size() + " gateways" : "";
        }
        int processes = (s.split() ? 4 : 1) + s.gateways() - (s.split() ? 0 : 1) + s.peers();
        int gateways = s.gateways() + s.peers();
        return processes == 1 ? "" : ", hub in " + processes + " processes" + (gateways > 1 ? " (" + gateways + " gateways)" : "");
    }

    String summary() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%n== %s, %s, target %d transfers/s, %d s measured after %d s warm-up%s ==%n", s.mode(),
                s.scenario(), s.rate(), s.seconds(), s.warmupSeconds(), layout()));
        b.append(String.format("arrivals %.0f/s   committed %.0f/s   ended (any outcome) %.0f/s   drops %d   stall seconds %d   refused at the generator %d%n",
                arrivalsPerSecond, committedPerSecond, endedPerSecond, drops, stallSeconds, f.refusedAtGenerator.sum()));
        b.append(String.format("errors by code (payer's outcome) %s   error callbacks to payees %d   duplicate callbacks %d%n",
                errors(), f.payeeErrors.sum(), f.duplicateCallbacks.sum()));
        line(b, "end to end (commit)", f.endToEnd);
        line(b, "prepare -> reserved", f.prepareToReserved);
        line(b, "fulfil -> commit", f.fulfilToCommit);
        if (queries != null) {
            line(b, "query transfer by id", queries.transferById);
            line(b, "query positions", queries.positions);
            b.append(String.format("queries: %d/s target; errors: transfer by id %d (of them %d not yet projected), positions %d%n",
                    queries.rate(), queries.transferErrors.sum(), queries.notYetProjected.sum(), queries.positionErrors.sum()));
        }
        b.append(String.format("cpu: hub %.2f cores (%.0f us/transfer), generator %.2f cores (%.0f us/transfer)",
                hubCores, cpuMicrosPerTransfer(hubCores), generatorCores, cpuMicrosPerTransfer(generatorCores)));
        hubCoresByPart.forEach((part, cores) -> {
            if (cores >= 0.005) {
                b.append(String.format("%n  hub: %-66s %.2f cores %5.0f us/transfer", part, cores, cpuMicrosPerTransfer(cores)));
            }
        });
        if (!loops.isEmpty()) {
            b.append(String.format("%nhandler loops, share of the window per stage:"));
            loops.forEach((processor, loop) -> b.append('\n').append(HandlerLoops.describe(processor, loop)));
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String name, Histogram h) {
        b.append(String.format("%-20s", name));
        for (double p : PERCENTILES) {
            b.append(String.format("  %s %s", p == 100 ? "max" : "p" + trim(p), h.getTotalCount() == 0 ? "-"
                    : LoadRun.ms(h.getValueAtPercentile(p))));
        }
        b.append(String.format("  (n=%d)%n", h.getTotalCount()));
    }

    private static String trim(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    /** @param ramp the ramp's steps (null outside a ramp), also shown as {@code rampTable} in the HTML */
    void write(Path dir, LoadRun.Gates gates, ObjectNode ramp, String rampTable) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.set("settings", JSON.valueToTree(Map.of("mode", s.mode(), "scenario", s.scenario(), "rate", s.rate(),
                "seconds", s.seconds(), "warmupSeconds", s.warmupSeconds(), "boundSeconds", s.boundSeconds(),
                "dfsps", s.dfsps(), "embedded", s.embedded(), "split", s.split(), "gateways",
                s.embedded() ? s.gateways() + s.peers() : s.gatewayUrls().size())));
        root.put("peers", s.peers());
        root.put("machineCpus", Runtime.getRuntime().availableProcessors());
        root.put("arrivalsPerSecond", arrivalsPerSecond).put("committedPerSecond", committedPerSecond)
                .put("endedPerSecond", endedPerSecond).put("drops", drops).put("stallSeconds", stallSeconds)
                .put("refusedAtGenerator", f.refusedAtGenerator.sum()).put("duplicateCallbacks", f.duplicateCallbacks.sum())
                .put("payeeErrorCallbacks", f.payeeErrors.sum());
        root.set("planned", JSON.valueToTree(planned));
        root.set("errors", JSON.valueToTree(errors()));
        ObjectNode latency = root.putObject("latencyMs");
        latency.set("endToEnd", percentiles(f.endToEnd));
        latency.set("prepareToReserved", percentiles(f.prepareToReserved));
        latency.set("fulfilToCommit", percentiles(f.fulfilToCommit));
        if (queries != null) {
            latency.set("queryTransferById", percentiles(queries.transferById));
            latency.set("queryPositions", percentiles(queries.positions));
            root.putObject("queries").put("perSecond", queries.rate()).put("transferByIdErrors", queries.transferErrors.sum())
                    .put("notYetProjected", queries.notYetProjected.sum()).put("positionErrors", queries.positionErrors.sum());
        }
        root.putObject("cpu").put("hubCores", hubCores).put("generatorCores", generatorCores)
                .put("hubMicrosPerTransfer", cpuMicrosPerTransfer(hubCores))
                .put("generatorMicrosPerTransfer", cpuMicrosPerTransfer(generatorCores));
        ObjectNode parts = ((ObjectNode) root.get("cpu")).putObject("hubByPart");
        hubCoresByPart.forEach((part, cores) -> parts.putObject(part).put("cores", cores)
                .put("microsPerTransfer", cpuMicrosPerTransfer(cores)));
        ObjectNode loopNode = root.putObject("handlerLoops");
        loops.forEach((processor, loop) -> {
            ObjectNode n = loopNode.putObject(processor);
            n.set("stageShare", JSON.valueToTree(loop.stageShare()));
            n.put("working", loop.working()).put("batchesPerSecond", loop.batchesPerSecond()).put("meanBatch", loop.meanBatch());
        });
        ArrayNode gateArray = root.putArray("gates");
        for (String[] g : gates.results) {
            gateArray.addObject().put("gate", g[0]).put("result", g[1]).put("detail", g[2]);
        }
        root.put("allGatesPassed", gates.allPassed());
        if (ramp != null) {
            root.set("ramp", ramp);
        }
        ObjectNode timeline = root.putObject("timeline");
        timeline.set("startedPerSecond", array(f.sentPerSecond));
        timeline.set("committedPerSecond", array(f.committedPerSecond));
        timeline.set("endedPerSecond", array(f.endedPerSecond));
        ArrayNode p99 = timeline.putArray("p99EndToEndMs");
        p99PerSecond.forEach(v -> {
            if (v.isNaN()) {
                p99.addNull();
            } else {
                p99.add(v);
            }
        });
        Files.writeString(dir.resolve("result.json"), JSON.writeValueAsString(root));
        Files.writeString(dir.resolve("report.html"), html(gates, rampTable));
    }

    private ObjectNode percentiles(Histogram h) {
        ObjectNode o = JSON.createObjectNode().put("count", h.getTotalCount());
        for (double p : PERCENTILES) {
            String key = p == 100 ? "max" : "p" + trim(p);
            if (h.getTotalCount() == 0) {
                o.putNull(key);
            } else {
                o.put(key, h.getValueAtPercentile(p) / 1e6);
            }
        }
        return o;
    }

    private static ArrayNode array(AtomicLongArray a) {
        ArrayNode out = JSON.createArrayNode();
        for (int i = 0; i < a.length(); i++) {
            out.add(a.get(i));
        }
        return out;
    }

    private String html(LoadRun.Gates gates, String rampTable) {
        StringBuilder rows = new StringBuilder();
        for (String[] g : gates.results) {
            rows.append("<tr><td class=").append(g[1]).append('>').append(g[1]).append("</td><td>").append(escape(g[0]))
                    .append("</td><td>").append(escape(g[2])).append("</td></tr>");
        }
        return """
                <!doctype html><html><head><meta charset="utf-8"><title>Mizani FTPS run</title>
                <style>body{font-family:sans-serif;margin:2em;max-width:960px}td,th{padding:2px 8px;text-align:left}
                .PASS{color:#070}.FAIL{color:#b00;font-weight:bold}pre{background:#f4f4f4;padding:1em}</style></head><body>
                <h1>Mizani FTPS run: %s, %s, target %d transfers/s</h1>
                <pre>%s</pre>
                <h2>Throughput over time</h2>%s
                <p>Started (arrivals) and committed transfers per second; the shaded band is the measured window.</p>
                <h2>Latency by percentile</h2>%s
                <p>Latency from each transfer's intended start; x axis is the percentile on a 1/(1-p) scale.</p>
                <h2>End-to-end p99 per second</h2>%s
                <h2>Validity gates</h2><table>%s</table></body></html>
                """.formatted(s.mode(), s.scenario(), s.rate(), escape(s.ramp() ? rampTable : summary()), throughputChart(), percentileChart(),
                p99Chart(), rows);
    }

    private String throughputChart() {
        int n = f.sentPerSecond.length();
        double max = 1;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.max(f.sentPerSecond.get(i), f.committedPerSecond.get(i)));
        }
        final double top = max * 1.1;
        Chart c = new Chart(n, top, "s", "transfers/s");
        c.band(s.warmupSeconds(), s.warmupSeconds() + s.seconds());
        c.line("#36c", i -> (double) f.sentPerSecond.get(i), n, "started");
        c.line("#090", i -> (double) f.committedPerSecond.get(i), n, "committed");
        return c.svg();
    }

    private String p99Chart() {
        int n = p99PerSecond.size();
        double max = 1;
        for (double v : p99PerSecond) {
            if (!Double.isNaN(v)) {
                max = Math.max(max, v);
            }
        }
        Chart c = new Chart(Math.max(n, 1), max * 1.1, "s", "ms");
        c.line("#c30", p99PerSecond::get, n, "p99 end to end");
        return c.svg();
    }

    private String percentileChart() {
        double[] ps = {0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99};
        double max = 1;
        Histogram[] hs = {f.endToEnd, f.prepareToReserved, f.fulfilToCommit};
        for (Histogram h : hs) {
            if (h.getTotalCount() > 0) {
                max = Math.max(max, h.getValueAtPercentile(99.99) / 1e6);
            }
        }
        Chart c = new Chart(ps.length - 1, max * 1.1, "percentile", "ms");
        String[] colours = {"#c30", "#36c", "#090"};
        String[] names = {"end to end", "prepare -> reserved", "fulfil -> commit"};
        for (int k = 0; k < hs.length; k++) {
            Histogram h = hs[k];
            if (h.getTotalCount() > 0) {
                c.line(colours[k], i -> h.getValueAtPercentile(ps[i]) / 1e6, ps.length, names[k]);
            }
        }
        for (int i = 0; i < ps.length; i++) {
            c.xLabel(i, trim(ps[i]));
        }
        return c.svg();
    }

    private static String escape(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** A minimal SVG line chart: x from 0 to xMax, y from 0 to yMax. */
    private static final class Chart {
        private static final int W = 900;
        private static final int H = 260;
        private static final int PAD = 45;
        private final double xMax;
        private final double yMax;
        private final StringBuilder body = new StringBuilder();
        private int legends;

        Chart(double xMax, double yMax, String xUnit, String yUnit) {
            this.xMax = Math.max(xMax, 1);
            this.yMax = yMax;
            body.append(String.format("<line x1=%d y1=%d x2=%d y2=%d stroke=#888 /><line x1=%d y1=%d x2=%d y2=%d stroke=#888 />",
                    PAD, H - PAD, W - 10, H - PAD, PAD, 10, PAD, H - PAD));
            body.append(String.format("<text x=%d y=%d font-size=11>%s</text><text x=4 y=20 font-size=11>%.0f %s</text>",
                    W - 80, H - 8, xUnit, yMax, yUnit));
            body.append(String.format("<text x=4 y=%d font-size=11>0</text>", H - PAD));
        }

        double x(double v) {
            return PAD + (W - 10 - PAD) * v / xMax;
        }

        double y(double v) {
            return H - PAD - (H - PAD - 10) * Math.min(v, yMax) / yMax;
        }

        void band(double from, double to) {
            body.append(String.format("<rect x=%.1f y=10 width=%.1f height=%d fill=#eee />", x(from), x(to) - x(from), H - PAD - 10));
        }

        void line(String colour, java.util.function.IntFunction<Double> value, int n, String name) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < n; i++) {
                Double v = value.apply(i);
                if (v != null && !v.isNaN()) {
                    points.append(String.format("%.1f,%.1f ", x(i), y(v)));
                }
            }
            body.append(String.format("<polyline fill=none stroke='%s' stroke-width=1.5 points='%s' />", colour, points));
            body.append(String.format("<text x=%d y=%d font-size=12 fill='%s'>%s</text>", PAD + 10 + 160 * legends++, 24, colour,
                    escape(name)));
        }

        void xLabel(int i, String label) {
            body.append(String.format("<text x=%.1f y=%d font-size=10 text-anchor=middle>%s</text>", x(i), H - PAD + 14, label));
        }

        String svg() {
            return String.format("<svg xmlns='http://www.w3.org/2000/svg' width=%d height=%d>%s</svg>", W, H, body);
        }
    }
}
