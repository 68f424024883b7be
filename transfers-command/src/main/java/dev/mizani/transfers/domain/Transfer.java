package dev.mizani.transfers.domain;

import java.time.Instant;

/**
 * A transfer's state. A prepare that failed validation is {@link PrepareFailed}: the same id keeps
 * failing the same way. Terminal states keep the hash of the request that ended them, so a repeat of
 * that request is recognised and a changed one refused (3106).
 */
public sealed interface Transfer {

    record Absent() implements Transfer {}

    record PrepareFailed(String payerFsp, String requestHash, int errorCode, String errorDescription) implements Transfer {}

    /** {@code prepare}: the payer's request as received, kept until it is forwarded with the reservation (or null). */
    record Received(Terms terms, AsReceived prepare) implements Transfer {
        public Received(Terms terms) {
            this(terms, null);
        }
    }

    record Reserved(Terms terms) implements Transfer {}

    /** {@code fulfilment} and {@code completedAt}: reported again to a resent request (null in older histories' snapshots). */
    record Committed(Terms terms, String fulfilHash, String fulfilment, Instant completedAt) implements Transfer {
        public Committed(Terms terms, String fulfilHash) {
            this(terms, fulfilHash, null, null);
        }
    }

    /** @param reservationHeld the payer's reservation was taken, so its release is (or has been) requested */
    record Aborted(Terms terms, int errorCode, String errorDescription, String endingHash, boolean reservationHeld)
            implements Transfer {}

    record Expired(Terms terms, boolean reservationHeld) implements Transfer {}

    /** What the payer asked for, fixed at prepare. */
    record Terms(String transferId, String payerFsp, String payeeFsp, long amountMinor, String currency,
                 String ilpPacket, String condition, Instant expiration, String prepareHash) {}

    /** The FSPIOP transferState name of a state. */
    static String stateName(Transfer t) {
        return switch (t) {
            case Absent a -> "NONE";
            case PrepareFailed f -> "ABORTED";
            case Received r -> "RECEIVED";
            case Reserved r -> "RESERVED";
            case Committed c -> "COMMITTED";
            case Aborted a -> "ABORTED";
            case Expired e -> "EXPIRED";
        };
    }
}
