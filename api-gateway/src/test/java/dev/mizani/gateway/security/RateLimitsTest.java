package dev.mizani.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
    private long now = 1_000_000_000L;
    private final RateLimits limits = new RateLimits(() -> now);

    @Test
    void aBucketAdmitsItsBurstThenItsRate() {
        for (int i = 0; i < 5; i++) {
            assertThat(limits.take("p", 10, 5).allowed()).isTrue();
        }
        RateLimits.Decision refused = limits.take("p", 10, 5);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        now += 100_000_000L; // a tenth of a second at 10/s: one more
        assertThat(limits.take("p", 10, 5).allowed()).isTrue();
        assertThat(limits.take("p", 10, 5).allowed()).isFalse();
    }

    @Test
    void whatAnotherProcessAdmittedComesOutOfTheSameBucketDownToMinusItsBurst() {
        assertThat(limits.take("p", 10, 5).allowed()).isTrue(); // 4 left
        limits.debit("p", 3);
        assertThat(limits.take("p", 10, 5).allowed()).isTrue(); // the last one
        assertThat(limits.take("p", 10, 5).allowed()).isFalse();
        limits.debit("p", 100); // far over: the bucket owes at most one burst
        now += 1_000_000_000L; // 10 tokens paid back: 5 of them repay the debt
        int admitted = 0;
        while (limits.take("p", 10, 5).allowed()) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(5);
        limits.debit("never-served", 10); // no bucket here: nothing to take from, and none made
        assertThat(limits.drainAdmitted()).containsOnlyKeys("p");
    }

    @Test
    void admittedRequestsAreCountedForTheOthersOnceEach() {
        limits.take("p", 10, 5);
        limits.take("p", 10, 5);
        limits.take("q", 10, 5);
        assertThat(limits.drainAdmitted()).isEqualTo(Map.of("p", 2L, "q", 1L));
        assertThat(limits.drainAdmitted()).isEmpty();
    }

    @Test
    void sharedCountsSurviveTheirEncodingAndAMalformedLineIsSkipped() {
        assertThat(LoadSharing.decode(LoadSharing.encode(Map.of("payerfsp", 12L, "payee fsp", 3L))))
                .isEqualTo(Map.of("payerfsp", 12L, "payee fsp", 3L));
        assertThat(LoadSharing.decode("p 2\ngarbage\nq x\n\n".getBytes())).isEqualTo(Map.of("p", 2L));
        assertThat(LoadSharing.decode(null)).isEmpty();
    }
}
