package dev.mizani.gateway.fspiop;

import dev.mizani.platform.domain.FspiopError;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Requests a server refuses before any route runs (a control character or bare CR in a header, a body over
 * the server's bound, a malformed request line) still get an FSPIOP errorInformation body, never an empty
 * or HTML page.
 */
public final class ProtocolErrors {
    private ProtocolErrors() {}

    public static void install(DirectHandlers.Builder handlers, String contentType) {
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            handlers.addHandler(type, (request, event, status, headers, message) -> DirectHandler.TransportResponse.builder()
                    .status(status)
                    .header(HeaderNames.CONTENT_TYPE, contentType)
                    .entity(of(status.code(), message == null ? status.reasonPhrase() : message).toJson())
                    .build());
        }
    }

    /** A request a server refused before any route ran (framing, bounds, time), as an FSPIOP error. */
    public static FspiopRejection of(int status, String message) {
        FspiopError error = switch (status) {
            case 400, 431 -> FspiopError.MALFORMED_SYNTAX;
            case 404 -> FspiopError.UNKNOWN_URI;
            case 413 -> FspiopError.PAYLOAD_TOO_LARGE;
            case 503 -> FspiopError.SERVICE_UNAVAILABLE;
            default -> status >= 500 ? FspiopError.INTERNAL_SERVER_ERROR : FspiopError.GENERIC_CLIENT_ERROR;
        };
        return new FspiopRejection(status, error, "the HTTP request was refused: " + FspiopHeaders.abbreviate(message));
    }
}
