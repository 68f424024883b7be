package dev.mizani.platform.domain;

/** The FSPIOP v1.1 error codes the hub reports, with the specification's names. */
public enum FspiopError {
    INTERNAL_SERVER_ERROR(2001, "Internal server error"),
    NOT_IMPLEMENTED(2002, "Not implemented"),
    SERVICE_UNAVAILABLE(2003, "Service currently unavailable"),
    GENERIC_CLIENT_ERROR(3000, "Generic client error"),
    UNKNOWN_URI(3002, "Unknown URI"),
    UNACCEPTABLE_VERSION(3001, "Unacceptable version requested"),
    GENERIC_VALIDATION_ERROR(3100, "Generic validation error"),
    MALFORMED_SYNTAX(3101, "Malformed syntax"),
    MISSING_ELEMENT(3102, "Missing mandatory element"),
    TOO_MANY_ELEMENTS(3103, "Too many elements"),
    PAYLOAD_TOO_LARGE(3104, "Too large payload"),
    INVALID_SIGNATURE(3105, "Invalid signature"),
    MODIFIED_REQUEST(3106, "Modified request"),
    GENERIC_ID_NOT_FOUND(3200, "Generic ID not found"),
    TRANSFER_ID_NOT_FOUND(3208, "Transfer ID not found"),
    PAYER_FSP_ID_NOT_FOUND(3202, "Payer FSP ID not found"),
    PAYEE_FSP_ID_NOT_FOUND(3203, "Payee FSP ID not found"),
    TRANSFER_EXPIRED(3303, "Transfer expired"),
    PAYER_FSP_INSUFFICIENT_LIQUIDITY(4001, "Payer FSP insufficient liquidity"),
    PAYER_LIMIT_ERROR(4200, "Payer limit error"),
    GENERIC_PAYEE_ERROR(5000, "Generic payee error");

    private final int code;
    private final String title;

    FspiopError(int code, String title) {
        this.code = code;
        this.title = title;
    }

    public int code() {
        return code;
    }

    public String title() {
        return title;
    }

    /** "title - detail", the errorDescription FSPIOP clients show, written as Mojaloop's switch writes it. */
    public String describe(String detail) {
        return detail == null || detail.isEmpty() ? title : title + " - " + detail;
    }
}
