package dev.mizani.platform.eventstore;

/**
 * An append found the stream at a version other than the writer expected: another writer got there
 * first. Nothing of the append was written. For a command processor it means it is a stale instance.
 */
public final class ConcurrencyConflictException extends RuntimeException {
    public ConcurrencyConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
