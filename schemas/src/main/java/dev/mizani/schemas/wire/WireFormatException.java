package dev.mizani.schemas.wire;

/** Bytes that are not a well-formed Confluent-framed Avro record of a known schema. Never retried: dead-letter it. */
public final class WireFormatException extends RuntimeException {
    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
