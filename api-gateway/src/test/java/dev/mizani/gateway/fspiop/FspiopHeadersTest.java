package dev.mizani.gateway.fspiop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The FSPIOP headers of the transfers resource, including header injection. */
class FspiopHeadersTest {
    private static Map<String, List<String>> valid() {
        Map<String, List<String>> h = new HashMap<>();
        h.put("content-type", List.of("application/vnd.interoperability.transfers+json;version=1.1"));
        h.put("Accept", List.of("application/vnd.interoperability.transfers+json;version=1"
                + ".1, application/vnd.interoperability.transfers+json;version=1.0"));
        h.put("FSPIOP-Source", List.of("dfsp-a"));
        h.put("Date", List.of("Sat, 21 Nov 2026 12:00:00 GMT"));
        return h;
    }

    private static Optional<FspiopRejection> check(Map<String, List<String>> headers) {
        return FspiopHeaders.of(headers).check(true);
    }

    private static void refused(Map<String, List<String>> headers, int status, int code, String detail) {
        assertThat(check(headers)).hasValueSatisfying(r -> {
            assertThat(r.httpStatus()).isEqualTo(status);
            assertThat(r.error().code()).isEqualTo(code);
            assertThat(r.detail()).contains(detail);
        });
    }

    @Test
    void anIdentityHeaderSentTwiceWithDifferentValuesIsRefusedNotResolvedToTheFirst() {
        var twice = valid();
        twice.put("FSPIOP-Source", List.of("dfsp-a", "dfsp-b"));
        refused(twice, 400, 3101, "FSPIOP-Source was sent more than once with different values");
        var byCase = valid();
        byCase.put("fspiop-source", List.of("dfsp-b"));
        refused(byCase, 400, 3101, "was sent more than once with different values");
        var same = valid();
        same.put("FSPIOP-Source", List.of("dfsp-a", "dfsp-a"));
        assertThat(check(same)).as("the same value twice says nothing new").isEmpty();
        var other = valid();
        other.put("X-Trace", List.of("1", "2"));
        assertThat(check(other)).as("a header that does not say who calls").isEmpty();
    }

    @Test
    void theTransfersHeadersAtVersionOnePointOneOrOnePointZeroPass() {
        assertThat(check(valid())).isEmpty();
        var v10 = valid();
        v10.remove("content-type");
        v10.put("Content-Type", List.of("application/vnd.interoperability.transfers+json;version=1.0"));
        assertThat(check(v10)).isEmpty();
        assertThat(FspiopHeaders.of(valid()).source()).isEqualTo("dfsp-a");
    }

    @Test
    void acceptMayNameTheMajorVersionAloneAsMojaloopsClientDoes() {
        var major = valid();
        major.put("Accept", List.of("application/vnd.interoperability.transfers+json;version=1"));
        assertThat(check(major)).isEmpty();
        var otherMajor = valid();
        otherMajor.put("Accept", List.of("application/vnd.interoperability.transfers+json;version=2"));
        refused(otherMajor, 406, 3001, "The Client requested an unsupported version");
        var otherMinor = valid();
        otherMinor.put("Accept", List.of("application/vnd.interoperability.transfers+json;version=1.7"));
        refused(otherMinor, 406, 3001, "The Client requested an unsupported version");
    }

    @Test
    void contentTypeAndAcceptMustNameTheTransfersResourceAtASupportedVersion() {
        var missing = valid();
        missing.remove("content-type");
        refused(missing, 400, 3102, "Content-Type header is missing");
        var json = valid();
        json.put("content-type", List.of("application/json"));
        refused(json, 415, 3101, "Content-Type must be");
        var v2 = valid();
        v2.put("content-type", List.of("application/vnd.interoperability.transfers+json;version=2.0"));
        refused(v2, 406, 3001, "Client supplied a protocol version which is not supported by the server (2.0)");
        var accept = valid();
        accept.put("Accept", List.of("application/vnd.interoperability.quotes+json;version=1.1"));
        refused(accept, 406, 3001, "The Client requested an unsupported version");
    }

    @Test
    void sourceAndDateArePresentAndWellFormed() {
        var noSource = valid();
        noSource.remove("FSPIOP-Source");
        refused(noSource, 400, 3102, "FSPIOP-Source header is missing");
        var longSource = valid();
        longSource.put("FSPIOP-Source", List.of("x".repeat(33)));
        refused(longSource, 400, 3101, "1 to 32 characters");
        var noDate = valid();
        noDate.remove("Date");
        refused(noDate, 400, 3102, "Date header is missing");
        var badDate = valid();
        badDate.put("Date", List.of("yesterday"));
        refused(badDate, 400, 3101, "not an RFC 1123 date");
    }

    @Test
    void aControlCharacterInAnyHeaderIsRefused() {
        var injected = valid();
        injected.put("FSPIOP-Source", List.of("dfsp-a\r\nX-Admin: true"));
        refused(injected, 400, 3101, "contains a control character");
    }

    @Test
    void verdictsRememberedAcrossRequestsStayRightForEachValueAndPastTheirBound() {
        var badDate = valid();
        badDate.put("Date", List.of("Sat, 21 Nov 2026 25:00:00 GMT"));
        for (int i = 0; i < 2; i++) {
            assertThat(check(valid())).isEmpty();
            refused(badDate, 400, 3101, "not an RFC 1123 date");
        }
        // more distinct dates than are remembered: each judged, none taken for another
        for (int second = 0; second < 600; second++) {
            var h = valid();
            h.put("Date", List.of("Sat, 21 Nov 2026 12:%02d:%02d GMT".formatted(second / 60, second % 60)));
            assertThat(check(h)).as("second %d", second).isEmpty();
        }
        refused(badDate, 400, 3101, "not an RFC 1123 date");
        var badType = valid();
        badType.put("content-type", List.of("application/json"));
        refused(badType, 415, 3101, "Content-Type must be");
        assertThat(check(valid())).isEmpty();
    }
}
