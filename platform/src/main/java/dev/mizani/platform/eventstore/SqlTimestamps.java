package dev.mizani.platform.eventstore;

import java.time.Instant;

/**
 * Timestamps for array parameters, sent as microseconds since the epoch. The driver sends a {@code Long[]} in
 * PostgreSQL's binary form; it has no binary form for an array of timestamps, which it formats and escapes as text,
 * element by element, on the thread writing the batch. {@link #fromMicros} turns the numbers back into timestamps in
 * SQL, exactly.
 */
public final class SqlTimestamps {
    private SqlTimestamps() {}

    /**
     * SQL for the {@code timestamptz[]} of a {@code bigint[]} parameter of microseconds since the epoch: in its order,
     * nulls kept, exact to the microsecond (a product of an interval and a number below 2^53 is exact).
     */
    public static String fromMicros(String parameter) {
        return "array(select timestamptz 'epoch' + m * interval '1 microsecond' from unnest(" + parameter
                + "::bigint[]) with ordinality as u(m, n) order by n)";
    }

    /** Microseconds since the epoch, null for null; a nanosecond remainder is dropped. */
    public static Long micros(Instant at) {
        return at == null ? null : Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
    }

    public static Long[] micros(Instant[] at) {
        Long[] micros = new Long[at.length];
        for (int i = 0; i < micros.length; i++) {
            micros[i] = micros(at[i]);
        }
        return micros;
    }
}
