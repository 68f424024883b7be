package dev.mizani.platform.commandloop;

/** Another instance has written this processor's streams or offsets: this one is stale and must stop. */
public final class FencedException extends RuntimeException {
    public FencedException(String message, Throwable cause) {
        super(message, cause);
    }
}
