package dev.mizani.hub;

import dev.mizani.platform.health.Health;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.platform.security.Credentials;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health and metrics of a process that serves no API of its own (only handlers, or only the projection, in
 * {@code MIZANI_SERVICES}): {@code GET /health} and {@code /health/ready} (200 while every check of this process is
 * up, else 503 naming it), {@code /health/live} (200 while the process answers), and {@code /metrics} for the
 * operator's bearer credential, as the query API serves them.
 */
final class OpsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);

    private final Health health;
    private final Metrics metrics;
    private final byte[] operatorSha256;
    private final WebServer server;

    OpsServer(String host, int port, Health health, Metrics metrics, String operatorCredentialSha256) {
        this.health = health;
        this.metrics = metrics;
        this.operatorSha256 = operatorCredentialSha256.getBytes(StandardCharsets.US_ASCII);
        this.server = WebServer.builder().host(host).port(port).maxPayloadSize(1024).routing(this::routes).build();
    }

    OpsServer start() {
        server.start();
        if (!server.isRunning()) {
            throw new IllegalStateException("the operations endpoint cannot listen; see the listener's error above");
        }
        log.info("health and metrics of this process on port {}", server.port());
        return this;
    }

    int port() {
        return server.port();
    }

    private void routes(HttpRouting.Builder r) {
        Health.PATHS.forEach(path -> r.get(path, this::health));
        r.get("/metrics", this::metrics)
                .any((req, res) -> res.status(Status.NOT_FOUND_404).send());
    }

    private void health(ServerRequest req, ServerResponse res) {
        Health.Report report = health.probe(req.path().path());
        res.status(Status.create(report.httpStatus())).header(HeaderNames.CONTENT_TYPE, "application/json").send(report.toJson());
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        var credential = Credentials.bearer(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
        if (credential.isEmpty()) {
            res.status(Status.UNAUTHORIZED_401).send("the operator's bearer credential is required");
            return;
        }
        if (!MessageDigest.isEqual(operatorSha256,
                Credentials.sha256Hex(credential.get()).getBytes(StandardCharsets.US_ASCII))) {
            res.status(Status.FORBIDDEN_403).send("only the operator may read the metrics");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, Metrics.CONTENT_TYPE).send(metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop();
    }
}
