package dev.mizani.gateway.fspiop;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mizani.platform.domain.FspiopError;

/**
 * A request refused before anything reaches Kafka: the HTTP status and the FSPIOP error information
 * object the client gets, whose description names what is wrong.
 */
public record FspiopRejection(int httpStatus, FspiopError error, String detail) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static FspiopRejection badRequest(FspiopError error, String detail) {
        return new FspiopRejection(400, error, detail);
    }

    /** {@code {"errorInformation":{"errorCode":"3101","errorDescription":"Malformed syntax: ..."}}} */
    public String toJson() {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("errorInformation")
                .put("errorCode", Integer.toString(error.code()))
                .put("errorDescription", error.describe(detail));
        return body.toString();
    }
}
