package dev.mizani.gateway.fspiop;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Hand-written matchers for the FSPIOP element patterns every prepare and fulfil carries: the same verdicts as
 * the published regular expressions in {@link TransferBodies} (which {@code FspiopFormatsTest} uses as the
 * oracle on generated and edge-case inputs), without a regex engine's per-character dispatch. A profile at
 * 1,800 transfers/s put the regexes and {@code OffsetDateTime.parse} at a fifth of the gateway thread's time,
 * most of it walking the ILP packet character by character.
 */
public final class FspiopFormats {
    /** base64url's alphabet: A-Z, a-z, 0-9, '-' and '_'. */
    private static final boolean[] BASE64URL = new boolean[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            BASE64URL[c] = true;
            BASE64URL[c + ('a' - 'A')] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            BASE64URL[c] = true;
        }
        BASE64URL['-'] = true;
        BASE64URL['_'] = true;
    }

    private FspiopFormats() {}

    /** A transfer's id as {@link TransferBodies#TRANSFER_ID} judges it: a lower-case UUID or a ULID. */
    public static boolean isTransferId(String s) {
        return isUuid(s) || isUlid(s);
    }

    /** {@code ^[0-9A-HJKMNP-TV-Z]{26}$}: Crockford's base 32 in upper case, without I, L, O and U. */
    public static boolean isUlid(String s) {
        if (s.length() != 26) {
            return false;
        }
        for (int i = 0; i < 26; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** {@code ^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$} */
    public static boolean isUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean ok = switch (i) {
                case 8, 13, 18, 23 -> c == '-';
                case 14 -> c >= '1' && c <= '5';
                case 19 -> c == '8' || c == '9' || c == 'a' || c == 'b';
                default -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** {@code ^[A-Za-z0-9-_]+[=]{0,2}$}: at least one base64url character, then at most two '='. */
    static boolean isIlpPacket(String s) {
        int end = s.length();
        int padding = 0;
        while (padding < 2 && end > 0 && s.charAt(end - 1) == '=') {
            end--;
            padding++;
        }
        return end > 0 && isBase64Url(s, end);
    }

    /** {@code ^[A-Za-z0-9-_]{43}$}: an ILP condition or fulfilment, a SHA-256 in unpadded base64url. */
    static boolean isSha256Base64Url(String s) {
        return s.length() == 43 && isBase64Url(s, 43);
    }

    private static boolean isBase64Url(String s, int end) {
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !BASE64URL[c]) {
                return false;
            }
        }
        return true;
    }

    /** Any characters but control characters (the elements whose definition has no pattern). */
    static boolean hasNoControlCharacter(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@link TransferBodies#DATE_TIME}: true when {@link #instantOf} gives an instant. */
    static boolean isDateTime(String s) {
        return instantOf(s) != null;
    }

    /**
     * The instant an FSPIOP DateTime names, or null when the text does not match the published pattern:
     * {@code YYYY-MM-DDTHH:MM:SS.sss} with a year from 1000, a day that exists in its month (29 February in
     * Gregorian leap years only), exactly three fraction digits, then {@code Z} or an offset {@code ±HH:MM} whose
     * hours the pattern allows up to 19 (java.time refuses beyond 18; the instant is still well defined).
     */
    static Instant instantOf(String s) {
        int length = s.length();
        if (length != 24 && length != 29) {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        int millis = digits(s, 20, 3);
        if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || millis < 0 || s.charAt(4) != '-' || s.charAt(7) != '-'
                || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(19) != '.') {
            return null;
        }
        int offsetSeconds;
        char zone = s.charAt(23);
        if (length == 24) {
            if (zone != 'Z') {
                return null;
            }
            offsetSeconds = 0;
        } else {
            int offsetHours = digits(s, 24, 2);
            int offsetMinutes = digits(s, 27, 2);
            if ((zone != '+' && zone != '-') || offsetHours < 0 || offsetHours > 19 || offsetMinutes < 0
                    || offsetMinutes > 59 || s.charAt(26) != ':') {
                return null;
            }
            offsetSeconds = (zone == '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay(); // refuses 30 February, 29 February 2100, ...
        } catch (DateTimeException e) {
            return null;
        }
        long epochSecond = epochDay * 86_400 + hour * 3_600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochSecond(epochSecond, millis * 1_000_000L);
    }

    /** The decimal value of {@code count} ASCII digits at {@code from}, or -1 if any is not one. */
    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
