package dev.mizani.gateway.callbacks;

import dev.mizani.schemas.transfer.RequestAsReceived;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One FSPIOP callback to deliver: to {@code participant}'s endpoint of {@code endpointType}, with the
 * method and JSON body the FSPIOP v1.1 transfers resource defines. {@code from} is the FSPIOP-Source it carries:
 * as a Mojaloop switch does, a forwarded request keeps its sender's (the payer's prepare, the payee's fulfil),
 * and what the hub itself says (errors, state answers, the PATCH) carries the hub's name, {@code null} here.
 * {@code asReceived}, when set, is the sender's request as the gateway received it: its body bytes and FSPIOP
 * headers are sent instead, unchanged, so a signature over them verifies at the far end.
 */
public record Callback(String participant, String endpointType, String method, String transferId, String body,
                       String from, RequestAsReceived asReceived) {
    /** A callback the hub itself originates. */
    public Callback(String participant, String endpointType, String method, String transferId, String body) {
        this(participant, endpointType, method, transferId, body, null, null);
    }

    /** A request of {@code from} the hub words itself (nothing kept as received). */
    public Callback(String participant, String endpointType, String method, String transferId, String body, String from) {
        this(participant, endpointType, method, transferId, body, from, null);
    }

    /** The bytes to send: the sender's, as received, or the hub's own body. */
    public byte[] bodyBytes() {
        if (asReceived != null) {
            ByteBuffer b = asReceived.getBody().duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return bytes;
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The FSPIOP headers to send, in order (Host and Content-Length are the client's). A forwarded request keeps its
     * sender's exactly as received, adding only what it did not carry and a callback needs (its resource and method,
     * a Date), less an Accept on anything but the forwarded prepare. FSPIOP-Destination, when the sender left it out, is added to an unsigned request only: on a signed
     * one the far end's validator would find a destination the signature does not cover (Mojaloop's switch does not
     * add it either).
     */
    public Map<String, String> headers(String contentType, String hubName, String date) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (asReceived != null) {
            headers.putAll(asReceived.getHeaders());
            if (!endpointType.equals(POST)) {
                headers.remove("Accept"); // only a request asks for an answer's version; a callback is the answer
            }
            headers.putIfAbsent("Content-Type", contentType);
            headers.putIfAbsent("Date", date);
            if (!headers.containsKey("FSPIOP-Signature")) {
                headers.putIfAbsent("FSPIOP-Destination", participant);
            }
            headers.putIfAbsent("FSPIOP-URI", fspiopUri());
            headers.putIfAbsent("FSPIOP-HTTP-Method", method);
            return headers;
        }
        headers.put("Content-Type", contentType);
        headers.put("FSPIOP-Source", from == null ? hubName : from);
        headers.put("FSPIOP-Destination", participant);
        headers.put("Date", date);
        headers.put("FSPIOP-URI", fspiopUri());
        headers.put("FSPIOP-HTTP-Method", method);
        return headers;
    }

    /**
     * The FSPIOP resource this callback is a request on, as its {@code FSPIOP-URI} header names it for a signature to
     * cover: the transfers collection for a forwarded prepare, the transfer for a state (PUT or PATCH), its error
     * resource for an error. The header says which resource is meant whatever URL the participant registered.
     */
    public String fspiopUri() {
        return switch (endpointType) {
            case POST -> "/transfers";
            case ERROR -> "/transfers/" + transferId + "/error";
            default -> "/transfers/" + transferId;
        };
    }

    public static final String POST = "FSPIOP_CALLBACK_URL_TRANSFER_POST";
    public static final String PUT = "FSPIOP_CALLBACK_URL_TRANSFER_PUT";
    public static final String ERROR = "FSPIOP_CALLBACK_URL_TRANSFER_ERROR";
}
