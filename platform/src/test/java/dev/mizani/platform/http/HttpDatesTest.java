package dev.mizani.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class HttpDatesTest {
    @Test
    void imfFixdateHasATwoDigitDayAndParsesAsRfc1123() {
        Instant at = Instant.parse("2026-12-06T04:09:41Z");
        assertThat(HttpDates.format(at)).isEqualTo("Sun, 06 Dec 2026 04:09:41 GMT");
        assertThat(HttpDates.ofEpochSecond(at.getEpochSecond())).isEqualTo("Sun, 06 Dec 2026 04:09:41 GMT");
        assertThat(ZonedDateTime.parse(HttpDates.format(at), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()).isEqualTo(at);
    }
}
