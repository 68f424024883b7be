package dev.mizani.schemas.registry;

/**
 * A schema registry call failed. {@code status} is the HTTP status (0 when the registry could not be
 * reached); {@code errorCode} is the registry's own code, e.g. 409 for an incompatible schema or 40401
 * for an unknown subject.
 */
public final class RegistryException extends RuntimeException {
    private final int status;
    private final int errorCode;

    public RegistryException(int status, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }

    public boolean isIncompatible() {
        return status == 409;
    }

    /** Not reached, or too busy or broken to answer now (429, 5xx): the same call may succeed later. */
    public boolean isUnavailable() {
        return status == 0 || status == 429 || status >= 500;
    }
}
