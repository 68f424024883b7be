package dev.mizani.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** How a process is told what to run: MIZANI_SERVICES, or a service runnable's name as the one argument. */
class ServiceNamesTest {
    @Test
    void eachServiceHasARunnableNameAndAnUnknownNameListsThem() {
        assertThat(Service.ofRunnable("api-gateway")).isEqualTo(Service.GATEWAY);
        assertThat(Service.ofRunnable("transfers-command")).isEqualTo(Service.TRANSFERS);
        assertThatThrownBy(() -> Service.ofRunnable("gateway")).hasMessageContaining(
                "the runnables are transfers-command, participants-command, projections, api-gateway, query-api");
    }

    @Test
    void servicesListedByNameOrAll() {
        assertThat(Service.parse(null)).isEqualTo(EnumSet.allOf(Service.class));
        assertThat(Service.parse(" gateway, query ")).containsExactly(Service.GATEWAY, Service.QUERY);
        assertThatThrownBy(() -> Service.parse("ledger")).hasMessageContaining("MIZANI_SERVICES names ledger");
        assertThatThrownBy(() -> Service.parse(",")).hasMessageContaining("names no service");
    }
}
