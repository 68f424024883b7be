package dev.mizani.gateway.callbacks;

/**
 * One FSPIOP callback to deliver: to {@code participant}'s endpoint of {@code endpointType}, with the
 * method and JSON body the FSPIOP v1.1 transfers resource defines. {@code from} is the FSPIOP-Source it carries:
 * as a Mojaloop switch does, a forwarded request keeps its sender's (the payer's prepare, the payee's fulfil),
 * and what the hub itself says (errors, state answers, the PATCH) carries the hub's name, {@code null} here.
 */
public record Callback(String participant, String endpointType, String method, String transferId, String body,
                       String from) {
    /** A callback the hub itself originates. */
    public Callback(String participant, String endpointType, String method, String transferId, String body) {
        this(participant, endpointType, method, transferId, body, null);
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
