package dev.mizani.transfers.handler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EndedTransfersTest {
    @Test
    void aTransferIsKnownOnceAndTheOldestGoFirstBeyondTheCapacity() {
        EndedTransfers ended = new EndedTransfers(2);
        ended.ended("t-1");
        ended.ended("t-2");
        ended.ended("t-3");
        assertThat(ended.take("t-1")).as("forgotten: over capacity").isFalse();
        assertThat(ended.take("t-3")).isTrue();
        assertThat(ended.take("t-3")).as("taken once").isFalse();
        assertThat(ended.take("t-2")).isTrue();
        assertThat(new EndedTransfers(0)).satisfies(none -> {
            none.ended("t-1");
            assertThat(none.take("t-1")).as("capacity 0 remembers nothing").isFalse();
        });
    }
}
