package dev.mizani.transfers.domain;

import dev.mizani.platform.domain.money.FspiopAmount;
import dev.mizani.transfers.domain.TransferCommand.PrepareTransfer;
import java.util.Base64;
import java.util.Optional;

/**
 * The checks a prepare must pass before any money is reserved. Each failure names the FSPIOP field,
 * and all of them are 3100 (generic validation error).
 */
final class PrepareValidation {
    private static final int SHA256_BYTES = 32;

    private PrepareValidation() {}

    sealed interface Checked permits Valid, Invalid {}

    record Valid(long amountMinor) implements Checked {}

    record Invalid(String reason) implements Checked {}

    /** The amount in minor units, or the reason the prepare is refused. */
    static Checked check(PrepareTransfer c) {
        String problem = problem(c);
        if (problem != null) {
            return new Invalid(problem);
        }
        return new Valid(((FspiopAmount.Valid) FspiopAmount.parse(c.amount(), c.currency())).minor());
    }

    private static String problem(PrepareTransfer c) {
        if (c.transferId() == null || c.transferId().isBlank()) {
            return "transferId is missing";
        }
        if (c.payerFsp() == null || c.payerFsp().isBlank()) {
            return "payerFsp is missing";
        }
        if (c.payeeFsp() == null || c.payeeFsp().isBlank()) {
            return "payeeFsp is missing";
        }
        if (c.payerFsp().equals(c.payeeFsp())) {
            return "payerFsp and payeeFsp must differ, both are " + c.payerFsp();
        }
        FspiopAmount.Parsed amount = FspiopAmount.parse(c.amount(), c.currency());
        if (amount instanceof FspiopAmount.Invalid invalid) {
            return invalid.reason();
        }
        if (c.expiration() == null) {
            return "expiration is missing";
        }
        if (!c.expiration().isAfter(c.hubTime())) {
            return "expiration " + c.expiration() + " is not in the future (hub time " + c.hubTime() + ")";
        }
        Optional<String> condition = conditionProblem(c.condition());
        if (condition.isPresent()) {
            return condition.get();
        }
        if (c.ilpPacket() == null || c.ilpPacket().isBlank()) {
            return "ilpPacket is missing";
        }
        return null;
    }

    private static Optional<String> conditionProblem(String condition) {
        if (condition == null || condition.isEmpty()) {
            return Optional.of("condition is missing");
        }
        byte[] decoded = base64Url(condition);
        if (decoded == null || decoded.length != SHA256_BYTES || condition.contains("=")) {
            return Optional.of("condition must be a base64url SHA-256 digest (43 characters), got '"
                    + abbreviate(condition) + "'");
        }
        return Optional.empty();
    }

    /** The decoded bytes, or null when the text is not unpadded base64url. */
    static byte[] base64Url(String text) {
        try {
            return Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
