package dev.mizani.schemas.readside;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Settlement windows as a service other than the read side asks for them (the admin API's routes): the port the
 * projections module implements, so the gateway depends on this contract and not on the projection handler's
 * module. Committed transfers fall into the open window; closing window N opens N + 1.
 */
public interface SettlementWindowQueries {
    record Window(long windowId, String state, Instant openedAt, Instant closedAt, String reason) {}

    /** What came of a close request. */
    sealed interface CloseOutcome permits Closed, NotOpen, Requested {}

    record Closed(Window window) implements CloseOutcome {}

    /** The window is not the open one. */
    record NotOpen(String why) implements CloseOutcome {}

    /** Asked and recorded, not carried out within the wait (the projection is behind or stopped). */
    record Requested() implements CloseOutcome {}

    /** Every window, newest first, or those in {@code state} (OPEN or CLOSED). */
    List<Window> windows(Optional<String> state) throws SQLException;

    Optional<Window> window(long windowId) throws SQLException;

    /** Asks for the open window {@code windowId} to close, and waits up to {@code wait} for the read side to close it. */
    CloseOutcome requestClose(long windowId, String reason, Duration wait) throws SQLException, InterruptedException;
}
