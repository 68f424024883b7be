package dev.mizani.platform.domain.money;

import java.util.Currency;
import java.util.Optional;

/**
 * ISO 4217 currencies and their minor-unit scale (USD 2, JPY 0, BHD 3). Codes without a defined scale
 * (gold, SDR, test codes) are not money the hub moves, and count as unknown.
 */
public final class Currencies {
    private Currencies() {}

    /** The number of minor-unit digits, or empty when the code is not an ISO 4217 currency the hub accepts. */
    public static Optional<Integer> scale(String code) {
        if (code == null || !code.matches("[A-Z]{3}")) {
            return Optional.empty();
        }
        try {
            int digits = Currency.getInstance(code).getDefaultFractionDigits();
            return digits < 0 ? Optional.empty() : Optional.of(digits);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
