package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.probe.ProbeTallyCodec;
import dev.mizani.platform.probe.TallyAdded;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.NewerWriter;
import dev.mizani.platform.testing.RegistryLink;
import dev.mizani.platform.testing.TallyHarness;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A command written by a newer client (a schema the handler has not seen) arrives while the registry is away: the
 * handler does not dead-letter it as undecodable, nor decide what came after it; it waits, and applies all of it in
 * order once the registry is back. On the real broker, database and registry, through a link that is cut.
 */
class RegistryOutageCommandTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private final TallyHarness h = new TallyHarness(1);

    @AfterEach
    void stop() {
        h.closeAll();
    }

    @Test
    void aCommandOfASchemaNewToTheHandlerWaitsForTheRegistryAndIsAppliedInOrder() throws Exception {
        String key = h.keys(1).getFirst();
        CommandProcessor<?, ?, ?> processor;
        try (RegistryLink link = new RegistryLink(h.infra.infrastructure.registryUrl())) {
            ProbeTallyCodec ownRegistry = new ProbeTallyCodec(link.registry(), h.commandTopic, h.eventTopic);
            processor = h.processor(h.settings(), ProcessorHooks.NONE, null, ownRegistry);
            h.send(List.of(key), 5); // 1 + ... + 5
            Await.until(BOUND, "the first five applied", () -> h.stream(key).events() == 5);

            link.cut();
            byte[] newer = NewerWriter.rewrite(h.codec.command("newer-" + h.id, 1_000, false), h.commandTopic + "-value",
                    h.infra.registry);
            h.sendRaw(key, newer);
            h.send(List.of(key), 5);
            CommandProcessor<?, ?, ?> waiting = processor;
            Await.until(BOUND, "the handler failing on the registry", () -> waiting.failingFor().toMillis() > 500);
            assertThat(h.stream(key).events()).as("nothing after the unreadable command decided").isEqualTo(5);

            link.restore();
            Await.until(BOUND, "all eleven applied", () -> h.stream(key).events() == 11);
        }
        TallyHarness.StreamFacts facts = h.stream(key);
        assertThat(facts.amountSum()).isEqualTo(15 + 1_000 + 15);
        assertThat(facts.contiguous()).isTrue();
        assertThat(h.infra.eventStore.readStream("tally-" + key))
                .extracting(e -> ((TallyAdded) h.codec.event(e.payload()).getPayload()).getAmount())
                .as("the stream in version order")
                .containsExactly(1L, 2L, 3L, 4L, 5L, 1_000L, 1L, 2L, 3L, 4L, 5L);
        assertThat(processor.stats().deadLetters()).isZero();
        assertThat(processor.status()).isEqualTo(CommandProcessor.Status.RUNNING);
    }
}
