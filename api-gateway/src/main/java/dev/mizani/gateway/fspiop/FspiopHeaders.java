package dev.mizani.gateway.fspiop;

import static dev.mizani.platform.domain.FspiopError.MALFORMED_SYNTAX;
import static dev.mizani.platform.domain.FspiopError.MISSING_ELEMENT;
import static dev.mizani.platform.domain.FspiopError.UNACCEPTABLE_VERSION;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The FSPIOP v1.1 headers of the transfers resource: Content-Type and Accept name the transfers
 * resource at version 1.1 or 1.0 (Accept may name the major version alone, {@code version=1}, as the FSPIOP
 * specification allows and Mojaloop's own client sends), FSPIOP-Source and Date are present and well-formed, and no header
 * value carries a control character (header injection).
 */
public final class FspiopHeaders {
    static final String MEDIA_TYPE = "application/vnd.interoperability.transfers+json";
    private static final Pattern VERSIONED = Pattern.compile(
            "application/vnd\\.interoperability\\.transfers\\+json\\s*;\\s*version\\s*=\\s*(\\d+\\.\\d+)\\s*");
    /** In Accept the minor version may be left out: {@code version=1} is any 1.x. */
    private static final Pattern ACCEPT_VERSIONED = Pattern.compile(
            "application/vnd\\.interoperability\\.transfers\\+json\\s*;\\s*version\\s*=\\s*(\\d+)(?:\\.(\\d+))?\\s*");
    private static final List<String> VERSIONS = List.of("1.1", "1.0");
    private static final Pattern FSP_ID = Pattern.compile("[^\\p{Cntrl}]{1,32}");
    /** Compiled once: every request's Accept header goes through it. */
    private static final Pattern QUALITY = Pattern.compile(";\\s*q=[0-9.]+");
    /**
     * The verdicts on header values already seen. Clients send the same Content-Type and Accept on every
     * request and the same Date for a second; a profile of the hub at 800 transfers/s had these checks, regular
     * expressions and date parsing, at 3% of the JVM's samples. Each verdict is a pure function of the value,
     * and each map is emptied when it reaches {@link #VERDICTS_MAX}, so odd values cost a parse, never memory.
     */
    private static final int VERDICTS_MAX = 256;
    private static final Map<String, Optional<String>> CONTENT_TYPE_VERSIONS = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> ACCEPTABLE = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> DATES = new ConcurrentHashMap<>();

    /**
     * Headers that say who is calling and what the request is: sent twice with different values, a proxy and the hub
     * could each believe another one, so such a request is refused rather than the first value taken.
     */
    private static final java.util.Set<String> SINGLE = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);

    static {
        SINGLE.addAll(List.of("FSPIOP-Source", "FSPIOP-Destination", "Authorization", "Content-Type", "Date",
                "FSPIOP-Signature", "FSPIOP-URI", "FSPIOP-HTTP-Method", "FSPIOP-Encryption"));
    }

    private final Map<String, String> headers;
    /** The first single-valued header sent with two different values, or null. */
    private final String conflicting;

    private FspiopHeaders(Map<String, String> headers, String conflicting) {
        this.headers = headers;
        this.conflicting = conflicting;
    }

    /** Case-insensitive view of the request's headers (first value of each), noting one sent twice differently. */
    public static FspiopHeaders of(Map<String, List<String>> raw) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String conflicting = null;
        for (Map.Entry<String, List<String>> e : raw.entrySet()) {
            List<String> values = e.getValue();
            if (values == null || values.isEmpty()) {
                continue;
            }
            String before = headers.putIfAbsent(e.getKey(), values.getFirst());
            boolean differs = before != null && !before.equals(values.getFirst());
            for (int i = 1; i < values.size() && !differs; i++) {
                differs = !values.get(i).equals(values.getFirst());
            }
            if (differs && conflicting == null && SINGLE.contains(e.getKey())) {
                conflicting = e.getKey();
            }
        }
        return new FspiopHeaders(headers, conflicting);
    }

    public String source() {
        return headers.get("FSPIOP-Source");
    }

    /** A header's first value by name, case-insensitively, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** The headers a forwarded request keeps as its sender sent them (a signature may cover any of them). */
    public static final List<String> FORWARDED = List.of("Content-Type", "Accept", "Date", "FSPIOP-Source",
            "FSPIOP-Destination", "FSPIOP-Signature", "FSPIOP-URI", "FSPIOP-HTTP-Method", "FSPIOP-Encryption");

    /** Those of {@link #FORWARDED} the request carried, under the names FSPIOP spells them. */
    public Map<String, String> forwarded() {
        Map<String, String> kept = new java.util.LinkedHashMap<>();
        for (String name : FORWARDED) {
            String value = headers.get(name);
            if (value != null) {
                kept.put(name, value);
            }
        }
        return kept;
    }

    public String destination() {
        return headers.get("FSPIOP-Destination");
    }

    /** The version the request's Content-Type names ("1.1", "1.0"), or null without a well-formed one. */
    public String contentVersion() {
        String contentType = headers.get("Content-Type");
        return contentType == null ? null : remembered(CONTENT_TYPE_VERSIONS, contentType, FspiopHeaders::version).orElse(null);
    }

    /** The checks of a request carrying a body (POST and PUT). */
    public Optional<FspiopRejection> check(boolean hasBody) {
        if (conflicting != null) {
            return reject(400, MALFORMED_SYNTAX, "header " + conflicting + " was sent more than once with different values");
        }
        for (var e : headers.entrySet()) {
            if (hasControlCharacter(e.getValue())) {
                return reject(400, MALFORMED_SYNTAX, "header " + e.getKey() + " contains a control character");
            }
        }
        if (hasBody) {
            String contentType = headers.get("Content-Type");
            if (contentType == null) {
                return reject(400, MISSING_ELEMENT, "Content-Type header is missing");
            }
            var version = remembered(CONTENT_TYPE_VERSIONS, contentType, FspiopHeaders::version);
            if (version.isEmpty()) {
                return reject(415, MALFORMED_SYNTAX, "Content-Type must be " + MEDIA_TYPE + ";version=1.1 (or 1.0), got "
                        + abbreviate(contentType));
            }
            if (!VERSIONS.contains(version.get())) {
                // Mojaloop's words, which DFSPs and its collections look for; the versions this hub speaks follow
                return reject(406, UNACCEPTABLE_VERSION, "Client supplied a protocol version which is not supported by "
                        + "the server (" + version.get() + "); versions supported are: 1.1, 1.0");
            }
        }
        String accept = headers.get("Accept");
        if (accept != null && !remembered(ACCEPTABLE, accept, FspiopHeaders::accepts)) {
            return reject(406, UNACCEPTABLE_VERSION, "The Client requested an unsupported version, versions supported are: "
                    + MEDIA_TYPE + " at 1.1, 1.0");
        }
        String source = source();
        if (source == null || source.isEmpty()) {
            return reject(400, MISSING_ELEMENT, "FSPIOP-Source header is missing");
        }
        if (!FSP_ID.matcher(source).matches()) {
            return reject(400, MALFORMED_SYNTAX, "FSPIOP-Source must be 1 to 32 characters");
        }
        String date = headers.get("Date");
        if (date == null) {
            return reject(400, MISSING_ELEMENT, "Date header is missing");
        }
        if (!remembered(DATES, date, FspiopHeaders::isDate)) {
            return reject(400, MALFORMED_SYNTAX, "Date header is not an RFC 1123 date: " + abbreviate(date));
        }
        return Optional.empty();
    }

    private static boolean hasControlCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static <V> V remembered(Map<String, V> verdicts, String value, Function<String, V> judge) {
        V verdict = verdicts.get(value);
        if (verdict == null) {
            verdict = judge.apply(value);
            if (verdicts.size() >= VERDICTS_MAX) {
                verdicts.clear();
            }
            verdicts.put(value, verdict);
        }
        return verdict;
    }

    private static boolean isDate(String date) {
        try {
            ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static Optional<String> version(String contentType) {
        var m = VERSIONED.matcher(contentType.toLowerCase(java.util.Locale.ROOT));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static boolean accepts(String accept) {
        for (String range : accept.split(",")) {
            String r = range.trim().toLowerCase(java.util.Locale.ROOT);
            if (r.equals("*/*") || r.startsWith("application/*") || r.equals(MEDIA_TYPE)) {
                return true;
            }
            var m = ACCEPT_VERSIONED.matcher(QUALITY.matcher(r).replaceAll(""));
            if (m.matches() && (m.group(2) == null ? m.group(1).equals("1") : VERSIONS.contains(m.group(1) + "." + m.group(2)))) {
                return true;
            }
        }
        return false;
    }

    private static Optional<FspiopRejection> reject(int status, dev.mizani.platform.domain.FspiopError error, String detail) {
        return Optional.of(new FspiopRejection(status, error, detail));
    }

    static String abbreviate(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 80 ? printable : printable.substring(0, 80) + "...";
    }
}
