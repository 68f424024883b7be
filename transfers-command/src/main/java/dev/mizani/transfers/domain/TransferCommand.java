package dev.mizani.transfers.domain;

import java.time.Instant;

/**
 * What can be asked of a transfer. {@link #hubTime()} is the hub's clock when the handler took the
 * command: every expiry judgement uses it, never a clock read in the domain. A DFSP's request may carry itself
 * {@link AsReceived} (null when not kept), for the events that forward it.
 */
public sealed interface TransferCommand {
    String transferId();

    Instant hubTime();

    /** FSPIOP POST /transfers. {@code amount} is the FSPIOP string; {@code requestHash} the canonical body's SHA-256. */
    record PrepareTransfer(String transferId, String payerFsp, String payeeFsp, String amount, String currency,
                           String ilpPacket, String condition, Instant expiration, String requestHash, Instant hubTime,
                           AsReceived asReceived)
            implements TransferCommand {
        /** A prepare whose request is not kept for forwarding. */
        public PrepareTransfer(String transferId, String payerFsp, String payeeFsp, String amount, String currency,
                               String ilpPacket, String condition, Instant expiration, String requestHash, Instant hubTime) {
            this(transferId, payerFsp, payeeFsp, amount, currency, ilpPacket, condition, expiration, requestHash, hubTime,
                    null);
        }
    }

    /** The payer's position holds the amount (from PayerFundsReserved). */
    record AcknowledgeReservation(String transferId, Instant hubTime) implements TransferCommand {}

    /** The payer's position refused the amount (from PayerFundsReservationRejected). */
    record RecordReservationRejected(String transferId, int errorCode, String errorDescription, Instant hubTime)
            implements TransferCommand {}

    /**
     * FSPIOP PUT /transfers/{ID} with transferState COMMITTED, or RESERVED when the payee wants to hear the
     * outcome ({@code payeeAskedForCommit}). {@code fulfilment} is empty when the payee sent none;
     * {@code destinationFsp} is the answer's FSPIOP-Destination, or null when it had none.
     */
    record FulfilTransfer(String transferId, String sourceFsp, String fulfilment, String requestHash, Instant hubTime,
                          boolean payeeAskedForCommit, AsReceived asReceived, String destinationFsp)
            implements TransferCommand {
        public FulfilTransfer(String transferId, String sourceFsp, String fulfilment, String requestHash, Instant hubTime,
                              boolean payeeAskedForCommit) {
            this(transferId, sourceFsp, fulfilment, requestHash, hubTime, payeeAskedForCommit, null, null);
        }
    }

    /** FSPIOP PUT /transfers/{ID}/error: the payee rejects with its error. */
    record RejectTransfer(String transferId, String sourceFsp, int errorCode, String errorDescription,
                          String requestHash, Instant hubTime, AsReceived asReceived) implements TransferCommand {
        public RejectTransfer(String transferId, String sourceFsp, int errorCode, String errorDescription,
                              String requestHash, Instant hubTime) {
            this(transferId, sourceFsp, errorCode, errorDescription, requestHash, hubTime, null);
        }
    }

    /** FSPIOP PUT /transfers/{ID} with transferState ABORTED. */
    record AbortTransfer(String transferId, String sourceFsp, String requestHash, Instant hubTime)
            implements TransferCommand {}

    /** The expiry timer fired; the decider checks the expiration itself against hub time. */
    record ExpireTransfer(String transferId, Instant hubTime) implements TransferCommand {}
}
