package dev.mizani.platform.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartBudgetTest {
    @Test
    void givesMaxRestartsPerWindowThenNoneUntilTheOldestHasLeftIt() throws Exception {
        RestartBudget budget = new RestartBudget(3, Duration.ofMillis(300));
        assertThat(budget.take()).isTrue();
        assertThat(budget.take()).isTrue();
        assertThat(budget.take()).isTrue();
        assertThat(budget.take()).as("a fourth within the window").isFalse();
        assertThat(budget.take()).as("a refusal takes nothing").isFalse();
        Thread.sleep(400);
        assertThat(budget.take()).as("the window has passed").isTrue();
        assertThat(budget).hasToString("3 times within PT0.3S");
    }

    @Test
    void aBudgetOfNoneRefusesAtOnceAndAWindowMustBePositive() {
        assertThat(new RestartBudget(0, Duration.ofMinutes(1)).take()).isFalse();
        assertThatThrownBy(() -> new RestartBudget(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
