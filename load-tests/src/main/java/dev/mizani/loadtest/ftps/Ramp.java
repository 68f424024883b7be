package dev.mizani.loadtest.ftps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The ramp scenario: after the warm-up, the arrival rate rises by {@code step} every {@code stepSeconds} until
 * a step misses the bar (fewer than 99% of its transfers committed within {@code barMs} of their intended
 * start, which is what "p99 under the bar, no drops" means for that step) or {@code rateMax} is passed. A
 * step is judged as soon as its last transfer is past the bar, so the overload that ends the ramp is short.
 * The answer is the highest rate whose step, and every step before it, met the bar.
 */
final class Ramp {
    /** Schedules one transfer due at {@code dueNs} in {@code step}. */
    interface Starter {
        void start(long dueNs, int step);
    }

    record Step(int rate, long started, long withinBar, Histogram latency, double hubCores, double generatorCores,
                boolean passed) {}

    private final LoadSettings s;
    private final Flights flights;
    private final HubProcess hub;
    private final OperatingSystemMXBean os;
    final List<Step> steps = new ArrayList<>();
    private int failedStep = -1;

    Ramp(LoadSettings s, Flights flights, HubProcess hub, OperatingSystemMXBean os) {
        this.s = s;
        this.flights = flights;
        this.hub = hub;
        this.os = os;
        flights.ramp(stepsMax(s), s.barMs() * 1_000_000L);
    }

    static int stepsMax(LoadSettings s) {
        return Math.max(1, (s.rateMax() - s.rate()) / s.step() + 1);
    }

    void run(long firstStepNs, Starter starter) {
        long stepNs = s.stepSeconds() * 1_000_000_000L;
        long barNs = s.barMs() * 1_000_000L;
        int stepsMax = stepsMax(s);
        double[] hubCpu = new double[stepsMax + 1];
        double[] genCpu = new double[stepsMax + 1];
        int step = 0;
        hubCpu[0] = hubCpu();
        genCpu[0] = os.getProcessCpuTime() / 1e9;
        System.out.printf("ramp: from %d/s, +%d/s every %d s, until a step has fewer than 99%% committed within %d ms%n",
                s.rate(), s.step(), s.stepSeconds(), s.barMs());
        while (step < stepsMax && failedStep < 0) {
            int rate = s.rate() + step * s.step();
            long stepStart = firstStepNs + step * stepNs;
            long count = (long) rate * s.stepSeconds();
            for (long j = 0; j < count && failedStep < 0; ) {
                long due = stepStart + (long) (j * 1e9 / rate);
                long now = System.nanoTime();
                if (due > now) {
                    judge(step, firstStepNs, stepNs, barNs, now);
                    LockSupport.parkNanos(Math.min(due - now, 500_000));
                    continue;
                }
                starter.start(due, step);
                j++;
            }
            step++;
            hubCpu[step] = hubCpu();
            genCpu[step] = os.getProcessCpuTime() / 1e9;
        }
        // the last steps are judged once their transfers are past the bar
        int started = step;
        long lastEnd = firstStepNs + started * stepNs;
        LockSupport.parkNanos(lastEnd + barNs + 1_000_000_000L - System.nanoTime());
        judge(started, firstStepNs, stepNs, barNs, System.nanoTime());
        // a step cut short by the failure of an earlier one is not judged
        int judged = failedStep >= 0 ? failedStep + 1 : started;
        for (int k = 0; k < judged; k++) {
            int rate = s.rate() + k * s.step();
            long n = flights.stepStarted.get(k);
            long within = flights.stepWithinBar.get(k);
            steps.add(new Step(rate, n, within, flights.stepLatency[k].copy(),
                    (hubCpu[k + 1] - hubCpu[k]) / s.stepSeconds(), (genCpu[k + 1] - genCpu[k]) / s.stepSeconds(),
                    n > 0 && within >= Math.ceil(0.99 * n)));
        }
    }

    /** Marks the first step, among those whose transfers are all past the bar, that missed it. */
    private void judge(int current, long firstStepNs, long stepNs, long barNs, long now) {
        for (int k = 0; k <= current && k < flights.stepStarted.length(); k++) {
            long judgeableAt = firstStepNs + (k + 1) * stepNs + barNs + 500_000_000L;
            if (now < judgeableAt) {
                return;
            }
            long n = flights.stepStarted.get(k);
            if (n > 0 && flights.stepWithinBar.get(k) < Math.ceil(0.99 * n)) {
                if (failedStep < 0) {
                    failedStep = k;
                    System.out.printf("ramp: the step at %d/s missed the bar; stopping arrivals%n", s.rate() + k * s.step());
                }
                return;
            }
        }
    }

    private double hubCpu() {
        return hub == null ? 0 : hub.cpuSeconds();
    }

    /** The highest rate that met the bar with every step before it, or 0. */
    int highestPassingRate() {
        int best = 0;
        for (Step st : steps) {
            if (!st.passed()) {
                break;
            }
            best = st.rate();
        }
        return best;
    }

    String table() {
        StringBuilder b = new StringBuilder(String.format("%n== %s ramp: %d s steps, bar: 99%% committed within %d ms ==%n",
                s.mode(), s.stepSeconds(), s.barMs()));
        b.append(String.format("%8s %9s %12s %9s %9s %9s %8s %8s  %s%n", "rate/s", "started", "within bar",
                "p50 ms", "p99 ms", "max ms", "hub", "gen", "result"));
        for (Step st : steps) {
            Histogram h = st.latency();
            b.append(String.format("%8d %9d %11.2f%% %9s %9s %9s %8.2f %8.2f  %s%n", st.rate(), st.started(),
                    st.started() == 0 ? 0 : 100.0 * st.withinBar() / st.started(), ms(h, 50), ms(h, 99), ms(h, 100),
                    st.hubCores(), st.generatorCores(), st.passed() ? "met the bar" : "MISSED"));
        }
        b.append(String.format("highest rate meeting the bar: %d transfers/s", highestPassingRate()));
        return b.toString();
    }

    private static String ms(Histogram h, double p) {
        return h.getTotalCount() == 0 ? "-" : String.format("%.0f", h.getValueAtPercentile(p) / 1e6);
    }

    ObjectNode json() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode().put("stepSeconds", s.stepSeconds()).put("barMs", s.barMs())
                .put("highestRateMeetingBar", highestPassingRate());
        ArrayNode out = root.putArray("steps");
        for (Step st : steps) {
            Histogram h = st.latency();
            ObjectNode o = out.addObject().put("rate", st.rate()).put("started", st.started())
                    .put("committedWithinBar", st.withinBar()).put("hubCores", st.hubCores())
                    .put("generatorCores", st.generatorCores()).put("passed", st.passed());
            if (h.getTotalCount() > 0) {
                o.put("p50Ms", h.getValueAtPercentile(50) / 1e6).put("p99Ms", h.getValueAtPercentile(99) / 1e6)
                        .put("maxMs", h.getMaxValue() / 1e6);
            }
        }
        return root;
    }
}
