package dev.mizani.transfers.domain;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A DFSP's request as the gateway received it: the body's bytes and its FSPIOP headers by the names FSPIOP spells
 * them. The hub forwards it unchanged, so a signature the sender made over them verifies at the far end. Immutable:
 * the body is copied in and never handed out to be written.
 */
public final class AsReceived {
    private final byte[] body;
    private final Map<String, String> headers;

    public AsReceived(byte[] body, Map<String, String> headers) {
        this.body = body.clone();
        this.headers = Map.copyOf(headers);
    }

    /** A copy of the body's bytes. */
    public byte[] body() {
        return body.clone();
    }

    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AsReceived a && Arrays.equals(body, a.body) && headers.equals(a.headers);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(body) + headers.hashCode();
    }

    @Override
    public String toString() {
        return "AsReceived[" + headers + " " + new String(body, StandardCharsets.UTF_8) + "]";
    }
}
