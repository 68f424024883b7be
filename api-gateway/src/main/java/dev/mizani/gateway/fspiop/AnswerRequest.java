package dev.mizani.gateway.fspiop;

/**
 * A payee's answer to a transfer, as PUT /transfers/{ID} (fulfil or abort) or PUT /transfers/{ID}/error
 * (reject) carries it, checked, with its canonical request hash.
 */
public sealed interface AnswerRequest {
    String requestHash();

    /**
     * transferState COMMITTED or RESERVED with the fulfilment: commit. RESERVED asks the hub to tell the payee
     * the outcome (FSPIOP v1.1 {@code PATCH /transfers/{ID}}). {@code completedTimestamp} is the payee's, or null
     * when it sent none.
     */
    record Fulfil(String fulfilment, String requestHash, boolean payeeAskedForCommit, java.time.Instant completedTimestamp)
            implements AnswerRequest {}

    /** transferState ABORTED. */
    record Abort(String requestHash) implements AnswerRequest {}

    /** errorInformation from the payee. */
    record Reject(int errorCode, String errorDescription, String requestHash) implements AnswerRequest {}
}
