package dev.mizani.platform.testing;

/** Reads one series out of a Prometheus text answer, as a test asserts on it. */
public final class MetricsText {
    private MetricsText() {}

    /** @param series the name with its labels exactly as written, e.g. {@code x_total{processor="transfers"}} */
    public static double value(String text, String series) {
        return text.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no series " + series + " in\n" + text));
    }
}
