package dev.mizani.hub.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.schemas.HubTopics;
import dev.mizani.platform.testing.TopicReader;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The crash and hot-payer cases again with the participants' policy packing its commands
 * ({@code MIZANI_POLICY_PACKING=on}): a handler killed mid-run, every event given to both policies again, and a hot
 * payer's reservations against its cap, with a participant's commands arriving several to a record.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackedCommandsCrashEndToEndTest extends CrashAndHotPayerEndToEndTest {

    @Override
    Map<String, String> env() {
        return Map.of("MIZANI_POLICY_PACKING", "on");
    }

    /** After the cases above: they ran on packs, not only on commands one to a record. */
    @Test
    @Order(Integer.MAX_VALUE)
    void theCasesRanOnPacks() {
        long packed = TopicReader.readAll(f.infra.bootstrap(), HubTopics.PARTICIPANTS_COMMANDS, 1, HubFixture.BOUND,
                Duration.ofSeconds(1)).stream()
                .filter(r -> f.hub.participantCodec.decodeCommands(r.key(), r.value(), Instant.EPOCH).size() > 1)
                .count();
        assertThat(packed).isPositive();
    }
}
