package dev.mizani.loadtest.ftps;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/** A stall second: fewer than half the due transfers ended while a backlog waited; a lull in arrivals is not one. */
class StallSecondsTest {
    @Test
    void onlySecondsWithABacklogAndTooFewCompletionsCount() {
        //                                    0     1     2     3     4     5
        AtomicLongArray due = new AtomicLongArray(new long[] {1000, 1000, 1000, 1000, 0, 1000});
        AtomicLongArray ended = new AtomicLongArray(new long[] {1000, 400, 800, 300, 0, 200});
        List<Long> inFlight = List.of(200L, 800L, 1000L, 300L, 0L, 100L);
        // 1: 400 of 1,000 ended with 800 waiting: a stall. 2: 800 ended, fine. 3: 300 ended but only 300 waiting (not
        // more than half a second of arrivals). 4: nothing due. 5: 200 ended with 100 waiting: the hub kept up.
        assertThat(Results.stallSeconds(due, ended, inFlight, 0, 6)).isEqualTo(1);
        assertThat(Results.stallSeconds(due, ended, inFlight, 2, 6)).as("outside the window").isZero();
        // a run cut short: seconds without a reading are not counted
        assertThat(Results.stallSeconds(due, ended, List.of(200L, 800L), 0, 6)).isEqualTo(1);
    }
}
