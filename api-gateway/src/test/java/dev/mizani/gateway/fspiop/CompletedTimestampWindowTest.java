package dev.mizani.gateway.fspiop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A payee's completedTimestamp against the hub's clock, and its parsing from PUT /transfers/{ID}. */
class CompletedTimestampWindowTest {
    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
    private static final CompletedTimestampWindow WINDOW = CompletedTimestampWindow.MOJALOOP_DEFAULT;

    @Test
    void aTimestampAtOrJustAroundTheHubsClockPasses() {
        assertThat(WINDOW.check(NOW, NOW)).isEmpty();
        assertThat(WINDOW.check(NOW.plusMillis(200), NOW)).isEmpty();
        assertThat(WINDOW.check(NOW.minusSeconds(300), NOW)).isEmpty();
        assertThat(WINDOW.check(null, NOW)).as("the element is optional").isEmpty();
    }

    @Test
    void aTimestampInTheFutureIsRefusedWith3100() {
        FspiopRejection r = WINDOW.check(NOW.plusSeconds(10), NOW).orElseThrow();
        assertThat(r.httpStatus()).isEqualTo(400);
        assertThat(r.error().code()).isEqualTo(3100);
        assertThat(r.detail()).contains("in the future").contains("2026-12-06T10:00:10Z");
        assertThat(WINDOW.check(NOW.plusMillis(201), NOW)).isPresent();
    }

    @Test
    void aTimestampOlderThanTheWindowIsRefusedWith3100() {
        FspiopRejection r = WINDOW.check(NOW.minusSeconds(301), NOW).orElseThrow();
        assertThat(r.error().code()).isEqualTo(3100);
        assertThat(r.detail()).contains("more than 300 s before");
    }

    @Test
    void aWiderWindowIsAnOperatorsChoice() {
        var lenient = new CompletedTimestampWindow(Duration.ofSeconds(30), Duration.ofHours(1));
        assertThat(lenient.check(NOW.plusSeconds(10), NOW)).isEmpty();
        assertThat(lenient.check(NOW.minusSeconds(3_000), NOW)).isEmpty();
        assertThatThrownBy(() -> new CompletedTimestampWindow(Duration.ofMillis(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFulfilCarriesThePayeesTimestampOrNone() {
        String fulfilment = "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM";
        var with = (AnswerRequest.Fulfil) ((TransferBodies.Valid<AnswerRequest>) TransferBodies.answer(bytes(
                "{\"fulfilment\":\"" + fulfilment + "\",\"completedTimestamp\":\"2026-12-06T10:00:00.123Z\","
                        + "\"transferState\":\"COMMITTED\"}"))).request();
        assertThat(with.completedTimestamp()).isEqualTo(Instant.parse("2026-12-06T10:00:00.123Z"));
        var without = (AnswerRequest.Fulfil) ((TransferBodies.Valid<AnswerRequest>) TransferBodies.answer(bytes(
                "{\"fulfilment\":\"" + fulfilment + "\",\"transferState\":\"RESERVED\"}"))).request();
        assertThat(without.completedTimestamp()).isNull();
        assertThat(without.payeeAskedForCommit()).isTrue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
