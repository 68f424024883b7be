package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.TallyHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Derived commands (ids of the form kind:key) are idempotent by id per aggregate: a repeat, in a later batch or the same one, is not
 * decided again, and a later repeat re-emits the stored outcome with the same event ids.
 */
class RepeatedCommandTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private final TallyHarness h = new TallyHarness(1);

    @AfterEach
    void stop() {
        h.closeAll();
    }

    @Test
    void aRepeatedCommandIdTakesEffectOnceAndItsOutcomeIsReEmitted() {
        String key = h.keys(1).getFirst();
        h.sendRaw(key, h.codec.command("tally:z", 9, false));
        h.sendRaw(key, h.codec.command("tally:z", 9, false));
        h.sendRaw(key, h.codec.command("tally:x", 5, false));
        h.flush();
        var processor = h.processor(ProcessorHooks.NONE);
        Await.until(BOUND, "first three processed", () -> processor.stats().commands() == 3);

        h.sendRaw(key, h.codec.command("tally:x", 5, false));
        h.sendRaw(key, h.codec.command("tally:y", 7, false));
        h.flush();
        Await.until(BOUND, "two more processed", () -> processor.stats().commands() == 5);

        TallyHarness.StreamFacts facts = h.stream(key);
        assertThat(facts.events()).as("z, x, y once each").isEqualTo(3);
        assertThat(facts.amountSum()).isEqualTo(9 + 5 + 7);
        assertThat(processor.stats().repeatedCommands()).isEqualTo(2);

        List<ConsumerRecord<String, byte[]>> published = h.events(4);
        Map<String, Long> byEventId = published.stream().collect(Collectors.groupingBy(
                r -> h.decode(r).getMetadata().getEventId(), Collectors.counting()));
        assertThat(published).as("x's outcome went out twice").hasSize(4);
        assertThat(byEventId).hasSize(3).containsValue(2L);
        String xEvent = byEventId.entrySet().stream().filter(e -> e.getValue() == 2L).findFirst().orElseThrow().getKey();
        assertThat(published.stream().filter(r -> h.decode(r).getMetadata().getEventId().equals(xEvent))
                .map(r -> h.decode(r).getMetadata().getCausationId()).distinct()).containsExactly("tally:x");
    }
}
