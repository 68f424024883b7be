package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.SimulatedCrash;
import dev.mizani.platform.testing.TallyHarness;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop's exactly-once effects against the real broker and database, across crashes at each side effect. */
class CommandProcessorCrashTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private final TallyHarness h = new TallyHarness(4);

    @AfterEach
    void stop() {
        h.closeAll();
    }

    @Test
    void everyCommandTakesEffectOnceAcrossPartitions() throws Exception {
        List<String> keys = h.keys(40);
        Map<String, Long> totals = h.send(keys, 2_000);
        var processor = h.processor(ProcessorHooks.NONE);

        Await.until(BOUND, "2000 commands processed", () -> processor.stats().commands() == 2_000);

        assertEveryEventOnceAndTotals(keys, totals, 2_000);
        assertThat(h.storedOffsetSum()).isEqualTo(2_000);
    }

    @Test
    void crashBetweenCommitAndPublishRepublishesOnRestart() throws Exception {
        List<String> keys = h.keys(10);
        Map<String, Long> totals = h.send(keys, 600);
        AtomicBoolean crashed = new AtomicBoolean();
        var first = h.processor(point -> {
            if (point == ProcessorHooks.Point.AFTER_COMMIT && crashed.compareAndSet(false, true)) {
                throw new SimulatedCrash("after commit, before publish");
            }
        });
        Await.until(BOUND, "first instance crashed", () -> first.status() == CommandProcessor.Status.FAILED);
        long committedBeforeCrash = h.storedOffsetSum();
        assertThat(committedBeforeCrash).isPositive();
        assertThat(h.events(0)).as("nothing was published before the crash").isEmpty();

        var second = h.processor(ProcessorHooks.NONE);
        Await.until(BOUND, "rest processed after restart",
                () -> second.stats().commands() == 600 - committedBeforeCrash);
        assertThat(h.storedOffsetSum()).isEqualTo(600);

        assertThat(second.stats().republished()).as("the crashed batch's events, republished")
                .isEqualTo(committedBeforeCrash);
        assertThat(second.stats().commands()).as("offsets resumed after the committed batch")
                .isEqualTo(600 - committedBeforeCrash);
        assertEveryEventOnceAndTotals(keys, totals, 600);
    }

    @Test
    void crashInsideTheTransactionLeavesNothingAndTheBatchRunsOnceAfterRestart() throws Exception {
        List<String> keys = h.keys(10);
        Map<String, Long> totals = h.send(keys, 600);
        AtomicBoolean crashed = new AtomicBoolean();
        var first = h.processor(point -> {
            if (point == ProcessorHooks.Point.INSIDE_TRANSACTION && crashed.compareAndSet(false, true)) {
                throw new SimulatedCrash("inside the transaction");
            }
        });
        Await.until(BOUND, "first instance crashed", () -> first.status() == CommandProcessor.Status.FAILED);
        assertThat(h.storedOffsetSum()).isZero();
        for (String key : keys) {
            assertThat(h.stream(key).events()).as("no event of the crashed batch is visible").isZero();
        }

        var second = h.processor(ProcessorHooks.NONE);
        Await.until(BOUND, "all processed after restart", () -> second.stats().commands() == 600);

        assertThat(second.stats().republished()).isZero();
        assertEveryEventOnceAndTotals(keys, totals, 600);
    }

    @Test
    void redeliveredBatchHasNoSecondEffect() throws Exception {
        List<String> keys = h.keys(5);
        Map<String, Long> totals = h.send(keys, 500);
        var processor = h.processor(ProcessorHooks.NONE);
        Await.until(BOUND, "first 500 processed", () -> processor.stats().commands() == 500);

        Map<org.apache.kafka.common.TopicPartition, Long> fromStart = new java.util.HashMap<>();
        for (int p = 0; p < h.partitions; p++) {
            fromStart.put(new org.apache.kafka.common.TopicPartition(h.commandTopic, p), 0L);
        }
        processor.redeliverFrom(fromStart);
        Await.until(BOUND, "all 500 redelivered and recognised", () -> processor.stats().redeliveredSkipped() == 500);
        Map<String, Long> more = h.send(keys, 100);
        more.forEach((k, v) -> totals.merge(k, v, Long::sum));
        Await.until(BOUND, "100 more processed", () -> processor.stats().commands() == 600);

        assertEveryEventOnceAndTotals(keys, totals, 600);
    }

    private void assertEveryEventOnceAndTotals(List<String> keys, Map<String, Long> totals, int expectedEvents)
            throws Exception {
        List<ConsumerRecord<String, byte[]>> published = h.events(expectedEvents);
        Set<String> eventIds = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : published) {
            eventIds.add(h.decode(r).getMetadata().getEventId());
        }
        assertThat(published).as("published events").hasSize(expectedEvents);
        assertThat(eventIds).as("distinct event ids").hasSize(expectedEvents);
        for (String key : keys) {
            TallyHarness.StreamFacts facts = h.stream(key);
            assertThat(facts.contiguous()).as("versions of %s contiguous", key).isTrue();
            assertThat(facts.amountSum()).as("total of %s", key).isEqualTo(totals.getOrDefault(key, 0L));
        }
    }
}
