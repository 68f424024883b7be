package dev.mizani.schemas.wire;

/** A record type's bytes on a topic and in the event store: Confluent's wire format over the hub's registry. */
public interface WireCodec<T> {
    byte[] encode(T record);

    /**
     * Throws {@link WireFormatException} for bytes that are not a record this codec knows, and
     * {@link dev.mizani.schemas.registry.RegistryUnavailableException} when their schema is new to this process and
     * the registry cannot be asked now: those bytes are not bad, and are read again later.
     */
    T decode(byte[] bytes);

    /**
     * The full name of the payload type {@code bytes} carry, read from their schema alone, so that a reader can skip
     * an event it has no use for without decoding it; null when only decoding can tell. Throws
     * {@link WireFormatException} for a schema id the registry does not know (and, like {@link #decode}, the registry's
     * unavailability as itself).
     */
    default String payloadTypeOf(byte[] bytes) {
        return null;
    }
}
