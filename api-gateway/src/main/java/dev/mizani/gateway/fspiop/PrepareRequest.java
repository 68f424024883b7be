package dev.mizani.gateway.fspiop;

import java.time.Instant;
import java.util.List;

/** A POST /transfers body that passed every FSPIOP v1.1 check, with its canonical request hash. */
public record PrepareRequest(String transferId, String payerFsp, String payeeFsp, String amount, String currency,
                             String ilpPacket, String condition, Instant expiration, List<Extension> extensions,
                             String requestHash) {

    public record Extension(String key, String value) {}
}
