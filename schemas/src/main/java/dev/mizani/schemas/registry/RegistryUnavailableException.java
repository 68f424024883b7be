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

    /**
     * How long a reader pauses before it reads the record again, after {@code inARow} failures in a row: 100 ms,
     * doubling up to 3 s, so a registry that comes back is used within 3 s and one that stays away is not hammered.
     */
    public static long pauseMs(int inARow) {
        return Math.min(100L << Math.min(inARow, 5), 3_000);
    }
}
