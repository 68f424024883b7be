package dev.mizani.embedded;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server that cannot start says why, in PostgreSQL's own words, not only that nothing answered on its port. */
class EmbeddedPostgresStartTest {
    @TempDir
    Path dataDir;

    @Test
    void aPortAlreadyTakenIsNamedInTheStartupError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> EmbeddedPostgresServer.start(dataDir.resolve("postgres"), taken.getLocalPort(), Map.of()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("PostgreSQL did not start on port " + taken.getLocalPort())
                    .hasMessageContaining("could not bind IPv4 address \"127.0.0.1\": Address already in use");
        }
    }
}
