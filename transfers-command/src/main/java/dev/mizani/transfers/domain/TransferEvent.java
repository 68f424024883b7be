package dev.mizani.transfers.domain;

import java.time.Instant;

/**
 * What happened to a transfer. These events are also the notifications the gateway turns into
 * callbacks: reserved (forward the prepare to the payee), committed, aborted and expired (to both),
 * prepare rejected (to the payer), duplicate reported and request refused (to the sender).
 */
public sealed interface TransferEvent {
    String transferId();

    record TransferPrepareAccepted(String transferId, String payerFsp, String payeeFsp, long amountMinor,
                                   String currency, String ilpPacket, String condition, Instant expiration,
                                   String requestHash, AsReceived asReceived) implements TransferEvent {
        public TransferPrepareAccepted(String transferId, String payerFsp, String payeeFsp, long amountMinor,
                                       String currency, String ilpPacket, String condition, Instant expiration,
                                       String requestHash) {
            this(transferId, payerFsp, payeeFsp, amountMinor, currency, ilpPacket, condition, expiration, requestHash,
                    null);
        }
    }

    record TransferPrepareRejected(String transferId, String payerFsp, String payeeFsp, int errorCode,
                                   String errorDescription, String requestHash) implements TransferEvent {}

    /**
     * Carries the prepare's terms, so the payee's forwarded prepare needs nothing else; and the payer's request
     * {@link AsReceived}, when kept, which is forwarded instead.
     */
    record TransferReserved(String transferId, String payerFsp, String payeeFsp, long amountMinor, String currency,
                            String ilpPacket, String condition, Instant expiration, AsReceived asReceived)
            implements TransferEvent {
        public TransferReserved(String transferId, String payerFsp, String payeeFsp, long amountMinor, String currency,
                                String ilpPacket, String condition, Instant expiration) {
            this(transferId, payerFsp, payeeFsp, amountMinor, currency, ilpPacket, condition, expiration, null);
        }
    }

    record TransferCommitted(String transferId, String payerFsp, String payeeFsp, long amountMinor, String currency,
                             String fulfilment, Instant completedAt, String requestHash, boolean payeeAskedForCommit,
                             AsReceived asReceived)
            implements TransferEvent {
        public TransferCommitted(String transferId, String payerFsp, String payeeFsp, long amountMinor, String currency,
                                 String fulfilment, Instant completedAt, String requestHash, boolean payeeAskedForCommit) {
            this(transferId, payerFsp, payeeFsp, amountMinor, currency, fulfilment, completedAt, requestHash,
                    payeeAskedForCommit, null);
        }
    }

    /** Rejected by the payee, refused by the payer's position, or a wrong fulfilment. */
    /** {@code payeeAskedForCommit}: a fulfil with transferState RESERVED ended it, and the payee is told by PATCH. */
    record TransferAborted(String transferId, String payerFsp, String payeeFsp, long amountMinor, String currency,
                           int errorCode, String errorDescription, boolean reservationHeld, String requestHash,
                           AsReceived asReceived, boolean payeeAskedForCommit)
            implements TransferEvent {
        public TransferAborted(String transferId, String payerFsp, String payeeFsp, long amountMinor, String currency,
                               int errorCode, String errorDescription, boolean reservationHeld, String requestHash) {
            this(transferId, payerFsp, payeeFsp, amountMinor, currency, errorCode, errorDescription, reservationHeld,
                    requestHash, null, false);
        }
    }

    record TransferExpired(String transferId, String payerFsp, String payeeFsp, long amountMinor, String currency,
                           boolean reservationHeld) implements TransferEvent {}

    /** A reservation confirmed after the transfer had already ended: it must be released. */
    record LateReservationReleased(String transferId, String payerFsp, long amountMinor, String currency)
            implements TransferEvent {}

    /** The same request again: its current or final outcome is reported again, nothing is re-applied. */
    record TransferDuplicateReported(String transferId, String sourceFsp, String state, String fulfilment,
                                     Instant completedAt) implements TransferEvent {
        public TransferDuplicateReported(String transferId, String sourceFsp, String state) {
            this(transferId, sourceFsp, state, null, null);
        }

        /** The report of {@code state}: a committed transfer's carries its fulfilment and completion time. */
        static TransferDuplicateReported of(String transferId, String sourceFsp, Transfer state) {
            return state instanceof Transfer.Committed c
                    ? new TransferDuplicateReported(transferId, sourceFsp, Transfer.stateName(state), c.fulfilment(), c.completedAt())
                    : new TransferDuplicateReported(transferId, sourceFsp, Transfer.stateName(state));
        }
    }

    /** A request the transfer cannot take: 3106 for a changed body, 3100 for a wrong state or party. */
    record TransferRequestRefused(String transferId, String sourceFsp, int errorCode, String errorDescription)
            implements TransferEvent {}
}
