package dev.mizani.hub.simulation;

import java.time.Instant;

/** Hub time in the simulation: moves only when the driver says. */
final class SimClock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    Instant now() {
        return now;
    }

    void advanceMs(long ms) {
        now = now.plusMillis(ms);
    }
}
