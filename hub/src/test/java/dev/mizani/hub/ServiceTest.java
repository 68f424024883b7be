package dev.mizani.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class ServiceTest {
    @Test
    void unsetBlankOrAllRunsEveryService() {
        assertThat(Service.parse(null)).isEqualTo(EnumSet.allOf(Service.class));
        assertThat(Service.parse(" ")).isEqualTo(EnumSet.allOf(Service.class));
        assertThat(Service.parse("ALL")).isEqualTo(EnumSet.allOf(Service.class));
    }

    @Test
    void namesAreCommaSeparatedInAnyCase() {
        assertThat(Service.parse("gateway, Query,")).containsExactlyInAnyOrder(Service.GATEWAY, Service.QUERY);
    }

    @Test
    void anUnknownOrEmptyListIsRefusedWithTheNamesThatExist() {
        assertThatThrownBy(() -> Service.parse("gateway,ledger")).hasMessageContaining("ledger")
                .hasMessageContaining("transfers, participants, projections, gateway, query");
        assertThatThrownBy(() -> Service.parse(",")).hasMessageContaining("names no service");
    }
}
