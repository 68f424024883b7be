package dev.mizani.gateway.fspiop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Random;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written matchers give the published patterns' verdicts: each is run against the definition's
 * regular expression on edge cases and on seeded random inputs built to sit near the boundaries (one character
 * off the alphabet, one digit out of range, one character too many). A failure names the seed and the input.
 */
class FspiopFormatsTest {
    private static final long SEED = Long.getLong("formats.seed", System.nanoTime());
    private static final String ALPHABET = "0123456789abcdefABCDEFgxyzXYZ-_=+/ .:T\n\u00e9\u0000";

    @Test
    void uuidsAreJudgedAsThePatternJudgesThem() {
        Random random = new Random(SEED);
        for (String edge : new String[] {"", "b51ec534-ee48-4575-b6a9-ead2955b8069", "B51EC534-EE48-4575-B6A9-EAD2955B8069",
                "b51ec534-ee48-6575-b6a9-ead2955b8069", "b51ec534-ee48-4575-c6a9-ead2955b8069",
                "b51ec534-ee48-4575-b6a9-ead2955b80690", "b51ec534ee484575b6a9ead2955b8069"}) {
            agree(edge, TransferBodies.UUID, FspiopFormats::isUuid);
        }
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder(java.util.UUID.nameUUIDFromBytes(longBytes(random.nextLong())).toString());
            s.setCharAt(random.nextInt(36), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            agree(s.toString(), TransferBodies.UUID, FspiopFormats::isUuid);
        }
    }

    @Test
    void transferIdsAreUuidsOrUlidsAsThePatternJudgesThem() {
        Random random = new Random(SEED);
        for (String edge : new String[] {"", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "01arz3ndektsv4rrffq69g5fav", "01ARZ3NDEKTSV4RRFFQ69G5FA",
                "01ARZ3NDEKTSV4RRFFQ69G5FAVX", "01ARZ3NDEKTSV4RRFFQ69G5FAI", "01ARZ3NDEKTSV4RRFFQ69G5FAL",
                "01ARZ3NDEKTSV4RRFFQ69G5FAO", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "b51ec534-ee48-4575-b6a9-ead2955b8069"}) {
            agree(edge, TransferBodies.TRANSFER_ID, FspiopFormats::isTransferId);
        }
        String crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder(26);
            for (int j = 0; j < 26; j++) {
                s.append(crockford.charAt(random.nextInt(crockford.length())));
            }
            s.setCharAt(random.nextInt(26), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            agree(s.toString(), TransferBodies.TRANSFER_ID, FspiopFormats::isTransferId);
        }
    }

    @Test
    void ilpPacketsConditionsAndFulfilmentsAreJudgedAsThePatternsJudgeThem() {
        Random random = new Random(SEED);
        for (String edge : new String[] {"", "=", "==", "a", "a=", "a==", "a===", "a=b", "-_", "AYIBgQAAAAAAAASw"}) {
            agree(edge, TransferBodies.ILP_PACKET, FspiopFormats::isIlpPacket);
        }
        for (int i = 0; i < 20_000; i++) {
            String s = nearBase64Url(random, random.nextInt(48));
            agree(s, TransferBodies.ILP_PACKET, FspiopFormats::isIlpPacket);
            agree(s, TransferBodies.CONDITION, FspiopFormats::isSha256Base64Url);
            String exact = nearBase64Url(random, 42 + random.nextInt(3));
            agree(exact, TransferBodies.CONDITION, FspiopFormats::isSha256Base64Url);
            agree(exact, TransferBodies.FULFILMENT, FspiopFormats::isSha256Base64Url);
        }
    }

    @Test
    void dateTimesAreJudgedAsThePatternJudgesThemAndNameTheSameInstant() {
        Random random = new Random(SEED);
        for (String edge : new String[] {"2026-11-21T12:00:00.000Z", "2024-02-29T00:00:00.000Z", "2023-02-29T00:00:00.000Z",
                "2000-02-29T23:59:59.999Z", "2100-02-29T00:00:00.000Z", "1600-02-29T00:00:00.000Z",
                "0999-01-01T00:00:00.000Z", "2026-04-31T00:00:00.000Z", "2026-12-31T24:00:00.000Z",
                "2026-11-21T12:00:00Z", "2026-11-21T12:00:00.0000Z", "2026-11-21T12:00:00.000+19:59",
                "2026-11-21T12:00:00.000-20:00", "2026-11-21T12:00:00.000+0100", "2026-11-21 12:00:00.000Z"}) {
            agreeOnDateTime(edge);
        }
        int[] years = {999, 1000, 1600, 1900, 2000, 2023, 2024, 2100, 2400, 9999};
        for (int i = 0; i < 50_000; i++) {
            int year = random.nextBoolean() ? years[random.nextInt(years.length)] : 1000 + random.nextInt(9000);
            String zone = switch (random.nextInt(3)) {
                case 0 -> "Z";
                case 1 -> "+%02d:%02d".formatted(random.nextInt(21), random.nextInt(61));
                default -> "-%02d:%02d".formatted(random.nextInt(21), random.nextInt(61));
            };
            StringBuilder s = new StringBuilder("%04d-%02d-%02dT%02d:%02d:%02d.%03d%s".formatted(year, random.nextInt(14),
                    random.nextInt(33), random.nextInt(25), random.nextInt(61), random.nextInt(61), random.nextInt(1000), zone));
            if (random.nextInt(4) == 0) {
                s.setCharAt(random.nextInt(s.length()), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            agreeOnDateTime(s.toString());
        }
    }

    private static void agreeOnDateTime(String s) {
        agree(s, TransferBodies.DATE_TIME, FspiopFormats::isDateTime);
        Instant instant = FspiopFormats.instantOf(s);
        if (instant == null) {
            return;
        }
        long offsetSeconds = s.length() == 24 ? 0 : (s.charAt(23) == '-' ? -60L : 60L)
                * (Integer.parseInt(s.substring(24, 26)) * 60 + Integer.parseInt(s.substring(27)));
        Instant expected = OffsetDateTime.parse(s.substring(0, 23) + "Z").toInstant().minusSeconds(offsetSeconds);
        assertThat(instant).as("seed %d: %s", SEED, s).isEqualTo(expected);
        if (Math.abs(offsetSeconds) <= 18 * 3600) { // java.time's own range of offsets
            assertThat(instant).as("seed %d: %s", SEED, s).isEqualTo(OffsetDateTime.parse(s).toInstant());
        }
    }

    private static void agree(String s, Pattern definition, Predicate<String> matcher) {
        assertThat(matcher.test(s)).as("seed %d: %s against %s", SEED, s, definition)
                .isEqualTo(definition.matcher(s).matches());
    }

    /** Mostly base64url with trailing '=' now and then, and one character from outside the alphabet at times. */
    private static String nearBase64Url(Random random, int length) {
        String base64Url = "ABCXYZabcxyz0189-_";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(base64Url.charAt(random.nextInt(base64Url.length())));
        }
        if (length > 0 && random.nextInt(3) == 0) {
            s.setCharAt(random.nextInt(length), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return s.append("=".repeat(random.nextInt(4))).toString();
    }

    private static byte[] longBytes(long value) {
        return java.nio.ByteBuffer.allocate(8).putLong(value).array();
    }
}
