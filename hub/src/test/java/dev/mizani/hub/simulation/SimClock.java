package dev.mizani.hub.simulation;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** Hub time in the simulation: moves only when the driver says; the handlers read it as their {@link Clock}. */
final class SimClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    Instant now() {
        return now;
    }

    void advanceMs(long ms) {
        now = now.plusMillis(ms);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
