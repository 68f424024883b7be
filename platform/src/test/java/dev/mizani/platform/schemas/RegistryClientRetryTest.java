package dev.mizani.platform.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.mizani.schemas.registry.RegistryException;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A registry that pauses past the client's timeout, over real loopback HTTP. */
class RegistryClientRetryTest {
    private static final String SCHEMA = "{\"type\":\"string\"}";
    private final AtomicInteger requests = new AtomicInteger();
    private HttpServer server;

    /** Answers {@code {"id":7}}, after {@code slowRequests} requests that answer only after the client gave up. */
    private SchemaRegistryClient registry(int slowRequests) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            if (requests.incrementAndGet() <= slowRequests) {
                try {
                    Thread.sleep(1_500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "{\"id\":7}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return new SchemaRegistryClient("http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7",
                Duration.ofMillis(300));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aRequestThatTimedOutIsSentOnceMore() throws Exception {
        assertThat(registry(1).register("s-value", SCHEMA)).isEqualTo(7);
        assertThat(requests).hasValue(2);
    }

    @Test
    void aRegistryThatStaysSilentFailsAfterTheRetry() throws Exception {
        SchemaRegistryClient silent = registry(Integer.MAX_VALUE);
        assertThatThrownBy(() -> silent.register("s-value", SCHEMA))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("timed out");
        assertThat(requests).hasValue(2);
    }
}
