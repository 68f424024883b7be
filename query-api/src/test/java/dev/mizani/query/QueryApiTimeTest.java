package dev.mizani.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryApiTimeTest {

    @Test
    void timesAlwaysCarryMillisecondsSoTheySortAsText() {
        Instant whole = Instant.parse("2026-12-06T02:11:23Z");
        assertThat(QueryApi.time(whole)).isEqualTo("2026-12-06T02:11:23.000Z");
        assertThat(QueryApi.time(Instant.parse("2026-12-06T02:11:23.120Z"))).isEqualTo("2026-12-06T02:11:23.120Z");

        List<String> texts = new ArrayList<>();
        for (long ms = 0; ms < 3_000; ms += 7) {
            texts.add(QueryApi.time(whole.plusMillis(ms)));
        }
        assertThat(texts).isSorted();
        assertThat(texts).allSatisfy(t -> assertThat(Instant.parse(t)).isBetween(whole, whole.plusSeconds(3)));
    }
}
