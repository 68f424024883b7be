package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.TallyHarness;
import dev.mizani.platform.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Records that can never be processed go to the dead-letter topic with a reason and block nothing. */
class DeadLetterTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private final TallyHarness h = new TallyHarness(1);

    @AfterEach
    void stop() {
        h.closeAll();
    }

    @Test
    void poisonRecordsAreDeadLetteredWithAReasonAndLaterRecordsStillProcess() throws Exception {
        String key = h.keys(1).getFirst();
        h.sendRaw(key, "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8));
        h.sendRaw(key, new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2});
        h.sendRaw(key, new byte[] {0, 0, 0});
        h.sendRaw(null, h.codec.command("no-key", 5, false));
        h.sendRaw(key, h.codec.command("undecidable", 5, true));
        Map<String, Long> totals = h.send(List.of(key), 50);

        var processor = h.processor(ProcessorHooks.NONE);
        Await.until(BOUND, "50 good commands processed", () -> h.stream(key).events() == 50);

        List<ConsumerRecord<String, byte[]>> dead = TopicReader.readAll(h.infra.bootstrap(), h.commandTopic + ".dlq", 5,
                BOUND, Duration.ofMillis(500));
        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : dead) {
            reasons.add(new String(r.headers().lastHeader(EventPublisher.REASON_HEADER).value(), StandardCharsets.UTF_8));
            assertThat(r.headers().lastHeader("mizani.dlq.source")).isNotNull();
        }
        assertThat(reasons).hasSize(5);
        assertThat(reasons.get(0)).contains("magic byte");
        assertThat(reasons.get(1)).contains("unknown schema id");
        assertThat(reasons.get(2)).contains("shorter than the 5-byte");
        assertThat(reasons.get(3)).contains("no key");
        assertThat(reasons.get(4)).contains("undecidable");
        assertThat(deadLetterRows()).isEqualTo(5);
        assertThat(h.stream(key).amountSum()).isEqualTo(totals.get(key));
        assertThat(processor.status()).isEqualTo(CommandProcessor.Status.RUNNING);
        assertThat(processor.stats().deadLetters()).isEqualTo(5);
    }

    private long deadLetterRows() throws Exception {
        try (Connection c = h.infra.dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from dead_letters where processor = ?")) {
            ps.setString(1, h.settings().name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
