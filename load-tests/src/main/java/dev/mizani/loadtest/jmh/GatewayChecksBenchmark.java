package dev.mizani.loadtest.jmh;

import dev.mizani.gateway.fspiop.FspiopHeaders;
import dev.mizani.gateway.fspiop.TransferBodies;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the gateway's own checks cost per request, the part of an HTTP transfer that is this project's code rather
 * than Helidon's or Kafka's: the FSPIOP headers of a prepare (as the load generator sends them) and its body's
 * parse and field checks. A JFR profile of the hub at 800 transfers/s put these at about a tenth of the JVM's
 * samples.
 *
 * <pre>./mvnw -q -pl load-tests exec:exec -Dbench=org.openjdk.jmh.Main -Dbench.args="GatewayChecks"</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GatewayChecksBenchmark {
    private static final String TYPE = "application/vnd.interoperability.transfers+json;version=1.1";

    private final Map<String, List<String>> headers = new TreeMap<>(Map.of(
            "Content-Type", List.of(TYPE),
            "Accept", List.of(TYPE),
            "Date", List.of(DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.parse("2026-11-22T10:00:00Z").atOffset(ZoneOffset.UTC))),
            "FSPIOP-Source", List.of("dfsp-3"),
            "FSPIOP-Destination", List.of("dfsp-7"),
            "Authorization", List.of("Bearer 3q2-7wAbCdEfGhIjKlMnOpQrStUvWxYz0123456789AB"),
            "Host", List.of("127.0.0.1:3000"),
            "Content-Length", List.of("371")));
    private final byte[] prepare = ("{\"transferId\":\"0a8c9d2e-5b1f-4c3a-9e7d-1f2a3b4c5d6e\",\"payerFsp\":\"dfsp-3\","
            + "\"payeeFsp\":\"dfsp-7\",\"amount\":{\"amount\":\"12.34\",\"currency\":\"USD\"},"
            + "\"ilpPacket\":\"AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3\","
            + "\"condition\":\"GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM\",\"expiration\":\"2026-11-22T10:00:30.000Z\"}")
            .getBytes(StandardCharsets.UTF_8);

    @Benchmark
    public Optional<?> headers() {
        return FspiopHeaders.of(headers).check(true);
    }

    @Benchmark
    public Object prepareBody() {
        return TransferBodies.prepare(prepare);
    }
}
