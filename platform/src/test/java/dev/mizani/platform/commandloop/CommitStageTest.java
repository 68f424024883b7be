package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CommitStageTest {

    @Test
    void onItsThreadTheWorkRunsBesideTheCallerAndItsFailureComesBackAsThrown() throws Exception {
        try (CommitStage stage = CommitStage.onThread("commit-test")) {
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<String> ranOn = new AtomicReference<>();
            CommitStage.Handle<Integer> handle = stage.start(() -> {
                ranOn.set(Thread.currentThread().getName());
                release.await(10, TimeUnit.SECONDS);
                return 7;
            });
            release.countDown(); // the caller went on while the work waited
            assertThat(handle.await()).isEqualTo(7);
            assertThat(ranOn.get()).isEqualTo("commit-test");

            SQLException refused = new SQLException("the database is down");
            assertThatThrownBy(() -> stage.start(() -> { throw refused; }).await()).isSameAs(refused);
            FencedException fenced = new FencedException("another writer", null);
            assertThatThrownBy(() -> stage.start(() -> { throw fenced; }).await()).isSameAs(fenced);
        }
    }

    @Test
    void whenAwaitedTheWorkRunsOnceOnTheAwaitingThreadAndNotBefore() throws Exception {
        CommitStage stage = CommitStage.whenAwaited();
        AtomicInteger runs = new AtomicInteger();
        CommitStage.Handle<Integer> handle = stage.start(runs::incrementAndGet);
        assertThat(runs).as("nothing runs until awaited, as a commit not yet reached").hasValue(0);
        assertThat(handle.await()).isEqualTo(1);
        assertThat(handle.await()).isEqualTo(1);
        assertThat(runs).hasValue(1);

        AtomicInteger failures = new AtomicInteger();
        CommitStage.Handle<Object> failing = stage.start(() -> {
            failures.incrementAndGet();
            throw new SQLException("connection lost during COMMIT");
        });
        assertThatThrownBy(failing::await).isInstanceOf(SQLException.class).hasMessageContaining("COMMIT");
        assertThatThrownBy(failing::await).isInstanceOf(SQLException.class);
        assertThat(failures).as("a failed commit is not tried again by awaiting it again").hasValue(1);
    }
}
