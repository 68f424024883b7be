package dev.mizani.platform.domain.money;

import java.util.regex.Pattern;

/**
 * Parses an FSPIOP amount string into exact minor units of its currency. The grammar is FSPIOP's
 * ({@code ^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$}: no sign, no exponent, no trailing zero
 * decimals), and the decimals may not exceed the currency's ISO 4217 scale.
 */
public final class FspiopAmount {
    private static final Pattern GRAMMAR = Pattern.compile("^(0|[1-9][0-9]{0,17})(\\.[0-9]{0,3}[1-9])?$");

    /** The parsed amount, or why it is not one; {@code reason} names the field for the FSPIOP error message. */
    public sealed interface Parsed permits Valid, Invalid {}

    public record Valid(long minor) implements Parsed {}

    public record Invalid(String reason) implements Parsed {}

    private FspiopAmount() {}

    public static Parsed parse(String amount, String currency) {
        var scale = Currencies.scale(currency);
        if (scale.isEmpty()) {
            return new Invalid("amount.currency '" + currency + "' is not a supported ISO 4217 currency");
        }
        if (amount == null || !GRAMMAR.matcher(amount).matches()) {
            return new Invalid("amount.amount '" + amount + "' is not an FSPIOP amount");
        }
        int dot = amount.indexOf('.');
        String whole = dot < 0 ? amount : amount.substring(0, dot);
        String fraction = dot < 0 ? "" : amount.substring(dot + 1);
        if (fraction.length() > scale.get()) {
            return new Invalid("amount.amount '" + amount + "' has " + fraction.length() + " decimals; " + currency
                    + " allows " + scale.get());
        }
        try {
            long minor = Math.multiplyExact(Long.parseLong(whole), pow10(scale.get()));
            if (!fraction.isEmpty()) {
                minor = Math.addExact(minor, Long.parseLong(fraction) * pow10(scale.get() - fraction.length()));
            }
            if (minor <= 0) {
                return new Invalid("amount.amount must be positive");
            }
            return new Valid(minor);
        } catch (ArithmeticException e) {
            return new Invalid("amount.amount '" + amount + "' is too large");
        }
    }

    /** The FSPIOP string of a minor-unit amount, e.g. 12345 USD -> "123.45", 1200 USD -> "12". */
    public static String format(long minor, String currency) {
        int scale = Currencies.scale(currency).orElseThrow(() -> new IllegalArgumentException("currency " + currency));
        if (minor < 0) {
            throw new IllegalArgumentException("negative amount " + minor);
        }
        long unit = pow10(scale);
        long whole = minor / unit;
        long fraction = minor % unit;
        if (fraction == 0) {
            return Long.toString(whole);
        }
        String digits = String.format("%0" + scale + "d", fraction).replaceAll("0+$", "");
        return whole + "." + digits;
    }

    private static long pow10(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) {
            p *= 10;
        }
        return p;
    }
}
