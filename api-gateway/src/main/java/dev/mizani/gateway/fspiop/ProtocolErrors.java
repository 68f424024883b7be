package dev.mizani.gateway.fspiop;

import dev.mizani.platform.domain.FspiopError;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Requests Helidon refuses before any route runs (a control character or bare CR in a header, a body over
 * the server's bound, a malformed request line) still get an FSPIOP errorInformation body, never an empty
 * or HTML page.
 */
public final class ProtocolErrors {
    private ProtocolErrors() {}

    public static void install(DirectHandlers.Builder handlers, String contentType) {
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            handlers.addHandler(type, (request, event, status, headers, message) -> {
                FspiopError error = switch (status.code()) {
                    case 400 -> FspiopError.MALFORMED_SYNTAX;
                    case 404 -> FspiopError.UNKNOWN_URI;
                    case 413 -> FspiopError.PAYLOAD_TOO_LARGE;
                    default -> status.code() >= 500 ? FspiopError.INTERNAL_SERVER_ERROR : FspiopError.GENERIC_CLIENT_ERROR;
                };
                String detail = "the HTTP request was refused: " + FspiopHeaders.abbreviate(message == null ? status.reasonPhrase() : message);
                return DirectHandler.TransportResponse.builder()
                        .status(status)
                        .header(HeaderNames.CONTENT_TYPE, contentType)
                        .entity(new FspiopRejection(status.code(), error, detail).toJson())
                        .build();
            });
        }
    }
}
