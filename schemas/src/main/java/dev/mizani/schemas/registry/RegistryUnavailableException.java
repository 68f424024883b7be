package dev.mizani.schemas.registry;

/**
 * The registry could not be asked for a schema this process has not seen: it did not answer, or answered that it
 * cannot serve now (429, 5xx). A record written with that schema is not bad and must not be dead-lettered or
 * skipped; its reader waits and reads it again once the registry is back. The cause is the registry call's failure.
 */
public final class RegistryUnavailableException extends RuntimeException {
    public RegistryUnavailableException(int schemaId, RegistryException cause) {
        super("schema registry unavailable for schema id " + schemaId + ": " + cause.getMessage(), cause);
    }

    /** Whether {@code t}, or anything that caused it, is a registry that could not be asked. */
    public static boolean causes(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
