package dev.mizani.platform.domain;

/** A command that no state could ever accept, e.g. one addressed to the wrong aggregate. Dead-lettered, not retried. */
public final class UndecidableCommandException extends RuntimeException {
    public UndecidableCommandException(String reason) {
        super(reason);
    }
}
