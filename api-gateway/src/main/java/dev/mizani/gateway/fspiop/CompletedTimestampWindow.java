package dev.mizani.gateway.fspiop;

import dev.mizani.platform.domain.FspiopError;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How far a payee's {@code completedTimestamp} may stray from the hub's clock: at most {@code ahead} in the future
 * (clocks are never quite in step) and at most {@code behind} in the past (a fulfil that old was held somewhere).
 * Outside it the fulfil is refused with 400 and 3100 before anything is recorded, and the transfer expires as if
 * the payee had not answered. Mojaloop's API adapter keeps the same window, by default 200 ms and 300 s.
 */
public record CompletedTimestampWindow(Duration ahead, Duration behind) {
    public static final CompletedTimestampWindow MOJALOOP_DEFAULT =
            new CompletedTimestampWindow(Duration.ofMillis(200), Duration.ofSeconds(300));

    public CompletedTimestampWindow {
        if (ahead.isNegative() || behind.isNegative()) {
            throw new IllegalArgumentException("the completedTimestamp window cannot be negative: ahead " + ahead
                    + ", behind " + behind);
        }
    }

    /** The refusal of {@code completed} judged at {@code now}, or empty when it is inside the window or absent. */
    public Optional<FspiopRejection> check(Instant completed, Instant now) {
        if (completed == null) {
            return Optional.empty();
        }
        if (completed.isAfter(now.plus(ahead))) {
            return Optional.of(FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR, "completedTimestamp "
                    + completed + " is in the future: the hub's clock reads " + now + " (at most " + ahead.toMillis()
                    + " ms ahead is allowed)"));
        }
        if (completed.isBefore(now.minus(behind))) {
            return Optional.of(FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR, "completedTimestamp "
                    + completed + " is more than " + behind.toSeconds() + " s before the hub's clock (" + now + ")"));
        }
        return Optional.empty();
    }
}
