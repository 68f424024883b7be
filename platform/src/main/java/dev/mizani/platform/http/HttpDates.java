package dev.mizani.platform.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * HTTP's Date in RFC 7231's preferred form, IMF-fixdate: {@code Sun, 06 Dec 2026 04:09:41 GMT}, with a two-digit
 * day. (java.time's RFC_1123_DATE_TIME writes a one-digit day, which RFC 1123 allows and strict parsers, FSPIOP
 * signature schemes among them, do not.)
 */
public final class HttpDates {
    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private HttpDates() {}

    public static String format(Instant instant) {
        return IMF_FIXDATE.format(instant);
    }

    private record Stamp(long second, String text) {}

    private static volatile Stamp current = new Stamp(Long.MIN_VALUE, "");

    /** Now, to the second: formatted once a second however many answers carry it. */
    public static String now() {
        return ofEpochMillis(System.currentTimeMillis());
    }

    /**
     * The second that {@code epochMillis} falls in, formatted once however many callers ask for it in a row (the
     * last second formatted is kept): for a clock read per message.
     */
    public static String ofEpochMillis(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        Stamp s = current;
        if (s.second() != second) {
            s = new Stamp(second, ofEpochSecond(second));
            current = s;
        }
        return s.text();
    }

    /** The second given in seconds since the epoch. */
    public static String ofEpochSecond(long second) {
        return format(Instant.ofEpochSecond(second));
    }
}
