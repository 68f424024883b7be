package dev.mizani.platform.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HealthTest {
    @Test
    void upOnlyWhenEveryCheckIsUpAndEachCheckSaysWhy() {
        Health health = new Health().register("database", () -> Health.Check.up("reachable"));
        assertThat(health.report().httpStatus()).isEqualTo(200);
        assertThat(health.report().toJson())
                .isEqualTo("{\"status\":\"UP\",\"checks\":{\"database\":{\"status\":\"UP\",\"detail\":\"reachable\"}}}");

        health.register("transfers-handler", () -> Health.Check.down("FAILED: \"broker\"\ngone"));
        Health.Report report = health.report();
        assertThat(report.up()).isFalse();
        assertThat(report.httpStatus()).isEqualTo(503);
        assertThat(report.toJson()).isEqualTo("{\"status\":\"DOWN\",\"checks\":{\"database\":{\"status\":\"UP\","
                + "\"detail\":\"reachable\"},\"transfers-handler\":{\"status\":\"DOWN\",\"detail\":\"FAILED: \\\"broker\\\"\\ngone\"}}}");
    }

    @Test
    void aCheckThatThrowsIsDownNotAnError() {
        Health health = new Health().register("projection", () -> {
            throw new IllegalStateException("no read store");
        });
        Health.Report report = health.report();
        assertThat(report.up()).isFalse();
        assertThat(report.checks().get("projection").detail()).contains("no read store");
    }

    @Test
    void readinessIsEveryCheckAndLivenessNone() {
        Health health = new Health().register("database", () -> Health.Check.down("connection refused"));
        assertThat(health.probe("/health").httpStatus()).isEqualTo(503);
        assertThat(health.probe("/health/ready").toJson()).contains("connection refused");
        // a process waiting for its database is alive: restarting it would not bring the database back
        assertThat(health.probe("/health/live").httpStatus()).isEqualTo(200);
        assertThat(health.probe("/health/live").toJson()).isEqualTo("{\"status\":\"UP\",\"checks\":{}}");
    }
}
