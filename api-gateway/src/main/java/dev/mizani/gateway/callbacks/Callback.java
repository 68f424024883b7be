package dev.mizani.gateway.callbacks;

/**
 * One FSPIOP callback to deliver: to {@code participant}'s endpoint of {@code endpointType}, with the
 * method and JSON body the FSPIOP v1.1 transfers resource defines.
 */
public record Callback(String participant, String endpointType, String method, String transferId, String body) {
    public static final String POST = "FSPIOP_CALLBACK_URL_TRANSFER_POST";
    public static final String PUT = "FSPIOP_CALLBACK_URL_TRANSFER_PUT";
    public static final String ERROR = "FSPIOP_CALLBACK_URL_TRANSFER_ERROR";
}
