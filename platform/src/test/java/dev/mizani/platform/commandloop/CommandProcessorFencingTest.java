package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.TallyHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two instances that both believe they own a partition: the stale one is fenced, the stream stays whole. */
class CommandProcessorFencingTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private final TallyHarness h = new TallyHarness(1);

    @AfterEach
    void stop() {
        h.closeAll();
    }

    @Test
    void staleInstanceIsFencedAndTheStreamHasNoGapOrDuplicate() throws Exception {
        String key = h.keys(1).getFirst();
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean held = new AtomicBoolean();
        var owner = h.processor(h.settings(), ProcessorHooks.NONE, List.of(0));
        var stale = h.processor(h.settings(), point -> {
            if (point == ProcessorHooks.Point.BEFORE_TRANSACTION && held.compareAndSet(false, true)) {
                awaitQuietly(release);
            }
        }, List.of(0));

        Map<String, Long> totals = h.send(List.of(key), 200);
        Await.until(BOUND, "owner applied all 200", () -> uncheckedEvents(key) == 200);
        Await.until(BOUND, "stale instance holding its decided batch", held::get);
        release.countDown();
        Await.until(BOUND, "stale instance fenced", () -> stale.status() == CommandProcessor.Status.FENCED);

        Map<String, Long> more = h.send(List.of(key), 100);
        Await.until(BOUND, "owner applied 100 more", () -> uncheckedEvents(key) == 300);

        TallyHarness.StreamFacts facts = h.stream(key);
        assertThat(owner.status()).isEqualTo(CommandProcessor.Status.RUNNING);
        assertThat(stale.failure()).isInstanceOf(FencedException.class);
        assertThat(facts.contiguous()).isTrue();
        assertThat(facts.events()).isEqualTo(300);
        assertThat(facts.amountSum()).isEqualTo(totals.get(key) + more.get(key));
    }

    private long uncheckedEvents(String key) {
        return h.stream(key).events();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
