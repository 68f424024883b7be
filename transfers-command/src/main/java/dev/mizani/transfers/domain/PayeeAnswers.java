package dev.mizani.transfers.domain;

import static dev.mizani.platform.domain.FspiopError.GENERIC_VALIDATION_ERROR;
import static dev.mizani.transfers.domain.TransferDecider.aborted;
import static dev.mizani.transfers.domain.TransferDecider.expired;
import static dev.mizani.transfers.domain.TransferDecider.expiredRefusal;
import static dev.mizani.transfers.domain.TransferDecider.isDue;
import static dev.mizani.transfers.domain.TransferDecider.refused;

import dev.mizani.transfers.domain.Transfer.*;
import dev.mizani.transfers.domain.TransferCommand.FulfilTransfer;
import dev.mizani.transfers.domain.TransferEvent.TransferAborted;
import dev.mizani.transfers.domain.TransferEvent.TransferCommitted;
import dev.mizani.transfers.domain.TransferEvent.TransferDuplicateReported;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/** The payee's answers: fulfil (commit), reject (PUT .../error) and abort. Only the payee may answer. */
final class PayeeAnswers {
    private PayeeAnswers() {}

    static List<TransferEvent> fulfil(FulfilTransfer c, Transfer state) {
        List<TransferEvent> early = screen(c.transferId(), c.sourceFsp(), c.requestHash(), state, "fulfil");
        if (early != null) {
            return early;
        }
        Terms terms = ((Reserved) state).terms();
        if (isDue(terms, c.hubTime())) {
            return List.of(expired(terms, true));
        }
        if (c.destinationFsp() != null && !c.destinationFsp().equals(terms.payerFsp())) {
            // Mojaloop aborts such an answer rather than refusing it: neither side waits for the expiry
            return List.of(new TransferAborted(c.transferId(), terms.payerFsp(), terms.payeeFsp(), terms.amountMinor(),
                    terms.currency(), GENERIC_VALIDATION_ERROR.code(), GENERIC_VALIDATION_ERROR.describe(
                    "FSPIOP-Destination " + c.destinationFsp() + " does not match the payer FSP " + terms.payerFsp()),
                    true, c.requestHash(), null, c.payeeAskedForCommit()));
        }
        if (c.fulfilment() == null || c.fulfilment().isEmpty()) {
            return List.of(new TransferAborted(c.transferId(), terms.payerFsp(), terms.payeeFsp(), terms.amountMinor(),
                    terms.currency(), GENERIC_VALIDATION_ERROR.code(), GENERIC_VALIDATION_ERROR.describe(
                    "fulfilment is required"), true, c.requestHash(), null, c.payeeAskedForCommit()));
        }
        if (!fulfils(c.fulfilment(), terms.condition())) {
            // as central-ledger words it: the collections compare the text
            return List.of(new TransferAborted(c.transferId(), terms.payerFsp(), terms.payeeFsp(), terms.amountMinor(),
                    terms.currency(), GENERIC_VALIDATION_ERROR.code(), GENERIC_VALIDATION_ERROR.describe("invalid fulfilment"),
                    true, c.requestHash(), null, c.payeeAskedForCommit()));
        }
        return List.of(new TransferCommitted(c.transferId(), terms.payerFsp(), terms.payeeFsp(), terms.amountMinor(),
                terms.currency(), c.fulfilment(), c.hubTime(), c.requestHash(), c.payeeAskedForCommit(), c.asReceived()));
    }

    /**
     * Reject or abort: the transfer ends with the payee's error and any reservation is released. {@code asReceived}:
     * the payee's request, forwarded to the payer (or null).
     */
    static List<TransferEvent> end(String transferId, String source, String hash, Transfer state, int code,
                                   String description, String what, AsReceived asReceived) {
        if (state instanceof Received r && r.terms().payeeFsp().equals(source)) {
            return List.of(aborted(r.terms(), code, description, false, hash, asReceived));
        }
        List<TransferEvent> early = screen(transferId, source, hash, state, what);
        if (early != null) {
            return early;
        }
        return List.of(aborted(((Reserved) state).terms(), code, description, true, hash, asReceived));
    }

    /**
     * What every answer checks first: a repeat of the request that ended the transfer is reported again,
     * a different one refused (3106); only the payee may answer; the transfer must be RESERVED. Returns
     * null when the answer may proceed on a Reserved transfer.
     */
    private static List<TransferEvent> screen(String transferId, String source, String hash, Transfer state, String what) {
        String endingHash = switch (state) {
            case Committed t -> t.fulfilHash();
            case Aborted a -> a.endingHash();
            case Absent a -> null;
            case PrepareFailed f -> null;
            case Received r -> null;
            case Reserved r -> null;
            case Expired e -> null;
        };
        Terms terms = terms(state);
        if (terms != null && !terms.payeeFsp().equals(source)) {
            return List.of(refused(transferId, source, GENERIC_VALIDATION_ERROR,
                    "only the payee " + terms.payeeFsp() + " may " + what + " transfer " + transferId));
        }
        if (endingHash != null) {
            return endingHash.equals(hash)
                    ? List.of(TransferDuplicateReported.of(transferId, source, state))
                    : List.of(TransferDecider.modified(transferId, source));
        }
        if (state instanceof Expired) {
            return List.of(expiredRefusal(transferId, source));
        }
        if (!(state instanceof Reserved)) {
            return List.of(refused(transferId, source, GENERIC_VALIDATION_ERROR, "cannot " + what + " transfer "
                    + transferId + " in state " + Transfer.stateName(state) + "; it must be RESERVED"));
        }
        return null;
    }

    private static Terms terms(Transfer state) {
        return switch (state) {
            case Absent a -> null;
            case PrepareFailed f -> null;
            case Received r -> r.terms();
            case Reserved r -> r.terms();
            case Committed t -> t.terms();
            case Aborted a -> a.terms();
            case Expired e -> e.terms();
        };
    }

    /** SHA-256 of the decoded fulfilment equals the decoded condition (both base64url, 32 bytes). */
    static boolean fulfils(String fulfilment, String condition) {
        byte[] preimage = fulfilment == null ? null : PrepareValidation.base64Url(fulfilment);
        byte[] expected = PrepareValidation.base64Url(condition);
        if (preimage == null || preimage.length != 32 || expected == null) {
            return false;
        }
        try {
            return MessageDigest.isEqual(MessageDigest.getInstance("SHA-256").digest(preimage), expected);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
