package dev.mizani.hub.lifecycle;

import dev.mizani.platform.testing.Await;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The crash and hot-payer cases again with two instances of each command handler in one consumer group, as
 * {@code MIZANI_TRANSFERS_INSTANCES=2 MIZANI_PARTICIPANTS_INSTANCES=2} runs them: partitions move to the
 * surviving instance when one is killed and back when its replacement joins, and still no transfer is lost or
 * doubled and no cap is passed.
 */
class ScaledOutCrashEndToEndTest extends CrashAndHotPayerEndToEndTest {

    @Override
    Map<String, String> env() {
        return Map.of("MIZANI_TRANSFERS_INSTANCES", "2", "MIZANI_PARTICIPANTS_INSTANCES", "2");
    }

    @Test
    void bothInstancesOfEachHandlerRun() {
        for (String processor : new String[] {"transfers", "participants"}) {
            String series = "mizani_processor_up{processor=\"" + processor + "\"} ";
            Await.until(HubFixture.BOUND, "two instances of " + processor + " running", () -> f.hub.metrics.scrape()
                    .lines().anyMatch(l -> l.startsWith(series) && Double.parseDouble(l.substring(series.length())) == 2));
        }
    }
}
