package dev.mizani.schemas.wire;

/** A record type's bytes on a topic and in the event store: Confluent's wire format over the hub's registry. */
public interface WireCodec<T> {
    byte[] encode(T record);

    /** Throws {@link WireFormatException} for bytes that are not a record this codec knows. */
    T decode(byte[] bytes);
}
