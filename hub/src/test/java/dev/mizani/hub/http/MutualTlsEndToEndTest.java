package dev.mizani.hub.http;

import static dev.mizani.hub.http.HttpHub.expect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.mizani.gateway.security.MutualTls;
import dev.mizani.hub.http.HttpHub.Dfsp;
import dev.mizani.hub.http.HttpHub.Prepared;
import dev.mizani.hub.lifecycle.HubFixture;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.HubTopics;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FSPIOP API with mutual TLS: certificates made here with the JDK's keytool (a CA for the DFSPs, one for
 * strangers), the gateway trusting only the first. The client certificate's CN is the participant. Callbacks
 * to a DFSP's HTTPS server go out with the hub's certificate, to servers whose certificate the first CA signed.
 */
class MutualTlsEndToEndTest {
    private static final String PASSWORD = "test-store-password";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    @TempDir
    static Path dir;
    private static HttpHub hub;
    private static Dfsp payer;
    private static Dfsp payee;
    private static URI base;

    @BeforeAll
    static void start() throws Exception {
        authority("ca");
        authority("stranger-ca");
        signed("server", "CN=127.0.0.1", "ca", "san=ip:127.0.0.1");
        signed("payer", "CN=tlspayer" + RUN + ",O=Test DFSP", "ca", null);
        signed("impostor", "CN=tlspayer" + RUN, "stranger-ca", null);
        // the callback client checks the endpoint's host (an IP literal here) against the certificate's names
        signed("payee-server", "CN=localhost,O=Test DFSP", "ca", "san=ip:127.0.0.1,dns:localhost");
        signed("stranger-server", "CN=localhost,O=Stranger", "stranger-ca", "san=ip:127.0.0.1,dns:localhost");
        keytool("-importcert", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(),
                "-keystore", dir.resolve("trust.p12").toString(), "-storepass", PASSWORD, "-noprompt");

        hub = new HttpHub(10_000, 10_000, Optional.of(new MutualTls(dir.resolve("server.p12"), PASSWORD,
                dir.resolve("trust.p12"), PASSWORD)));
        payer = hub.onboard("tlspayer" + RUN, "100000", "100000", true);
        payee = hub.onboard("tlspayee" + RUN, "100000", "100000", true);
        hub.f.awaitDirectoryKnows(payer.name(), payee.name());
        base = URI.create("https://127.0.0.1:" + hub.gateway.transfers.port());
    }

    @AfterAll
    static void stop() throws Exception {
        for (Dfsp d : new Dfsp[] {payer, payee}) {
            if (d != null) {
                d.server().stop(0);
            }
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void theCertificateIdentifiesThePayerWithoutABearerCredential() throws Exception {
        Prepared p = HttpHub.prepareBody(payer.name(), payee.name(), "4", Duration.ofSeconds(60));
        expect(send(client("payer"), payer.name(), p.body(), null), 202);
        payee.awaitCallback("POST", "/transfers", p.id());
        // a bearer credential, when also sent, must be the certificate's participant's too
        Prepared q = HttpHub.prepareBody(payer.name(), payee.name(), "1", Duration.ofSeconds(60));
        expect(send(client("payer"), payer.name(), q.body(), payer.credential()), 202);
        expect(send(client("payer"), payer.name(), q.body(), "not-" + payer.credential()), 401);
    }

    @Test
    void aCertificateOfAnotherParticipantCannotActAsTheSource() throws Exception {
        Prepared p = HttpHub.prepareBody(payee.name(), payer.name(), "4", Duration.ofSeconds(60));
        var refused = expect(send(client("payer"), payee.name(), p.body(), payee.credential()), 403);
        assertThat(refused.body()).contains("\"errorCode\":\"3000\"").contains("client certificate is " + payer.name());
    }

    @Test
    void noCertificateOrOneFromAnUntrustedAuthorityCannotConnect() throws Exception {
        Prepared p = HttpHub.prepareBody(payer.name(), payee.name(), "4", Duration.ofSeconds(60));
        assertThatThrownBy(() -> send(client(null), payer.name(), p.body(), payer.credential())).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> send(client("impostor"), payer.name(), p.body(), payer.credential())).isInstanceOf(IOException.class);
        Thread.sleep(300);
        assertThat(payee.received(p.id())).isFalse();
    }

    @Test
    void clientsWithoutACertificateOrSpeakingPlainHttpAreRefusedWhileACertifiedOneIsServed() throws Exception {
        var hostile = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        List<java.util.concurrent.Future<String>> attempts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            boolean plain = i % 2 == 0;
            attempts.add(hostile.submit(() -> {
                if (plain) { // plain HTTP to the TLS port: no answer in HTTP, the connection ends
                    try (java.net.Socket s = new java.net.Socket("127.0.0.1", base.getPort())) {
                        s.setSoTimeout(10_000);
                        s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        byte[] head = s.getInputStream().readNBytes(8);
                        return new String(head, StandardCharsets.ISO_8859_1).startsWith("HTTP/") ? "answered in HTTP" : "refused";
                    }
                }
                try {
                    client(null).send(HttpRequest.newBuilder(base.resolve("/health/live")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    return "served without a certificate";
                } catch (IOException e) {
                    return "refused";
                }
            }));
        }
        HttpClient certified = client("payer");
        for (int i = 0; i < 50; i++) {
            var live = certified.send(HttpRequest.newBuilder(base.resolve("/health/live")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).isEqualTo(200);
        }
        for (var a : attempts) {
            assertThat(a.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("refused");
        }
        hostile.shutdown();
    }

    @Test
    void callbacksToAnHttpsEndpointPresentTheHubsCertificateAndTrustOnlyTheSchemesAuthority() throws Exception {
        Dfsp tlsPayee = hub.onboard("tlspayee-https" + RUN, "100000", "100000", false);
        Dfsp strangerPayee = hub.onboard("tlspayee-stranger" + RUN, "100000", "100000", false);
        List<String> calls = new CopyOnWriteArrayList<>();
        HttpsServer trusted = httpsDfsp("payee-server", calls);
        HttpsServer stranger = httpsDfsp("stranger-server", calls);
        try {
            registerHttps(tlsPayee, trusted);
            registerHttps(strangerPayee, stranger);
            hub.f.awaitDirectoryKnows(payer.name(), tlsPayee.name(), strangerPayee.name());

            Prepared p = HttpHub.prepareBody(payer.name(), tlsPayee.name(), "4", Duration.ofSeconds(60));
            expect(send(client("payer"), payer.name(), p.body(), null), 202);
            Await.until(HubFixture.BOUND, "the payee's HTTPS server, which needs a client certificate, gets the prepare",
                    () -> calls.stream().anyMatch(c -> c.contains(p.id())));
            // the hub's certificate (CN=127.0.0.1), verified by the payee's server against the scheme's authority
            assertThat(calls).filteredOn(c -> c.contains(p.id())).first().asString()
                    .startsWith("client 127.0.0.1: POST /transfers ");

            Prepared q = HttpHub.prepareBody(payer.name(), strangerPayee.name(), "4", Duration.ofSeconds(60));
            expect(send(client("payer"), payer.name(), q.body(), null), 202);
            Await.until(HubFixture.BOUND, "the prepare for a payee whose server the hub cannot verify is dead-lettered",
                    () -> TopicReader.readAll(hub.f.infra.bootstrap(), HubTopics.CALLBACK_DEAD_LETTERS, 1,
                                    Duration.ofSeconds(5), Duration.ofMillis(200)).stream()
                            .anyMatch(r -> q.id().equals(r.key()) && new String(r.headers().lastHeader("mizani.dlq.reason")
                                    .value(), StandardCharsets.UTF_8).contains("after 2 attempts")));
            assertThat(calls).noneMatch(c -> c.contains(q.id()));
        } finally {
            trusted.stop(0);
            stranger.stop(0);
        }
    }

    /** A DFSP's callback server over HTTPS with {@code key}'s certificate, requiring a client certificate from the CA. */
    private static HttpsServer httpsDfsp(String key, List<String> calls) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store(key + ".p12"), PASSWORD.toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store("trust.p12"));
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setNeedClientAuth(true);
                params.setSSLParameters(parameters);
            }
        });
        server.createContext("/", exchange -> {
            String client = MutualTls.participantOf(((HttpsExchange) exchange).getSSLSession().getPeerCertificates())
                    .orElse("none");
            calls.add("client " + client + ": " + exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()
                    + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static void registerHttps(Dfsp dfsp, HttpsServer server) throws Exception {
        hub.registerEndpoints(dfsp.name(), "https://127.0.0.1:" + server.getAddress().getPort());
        Await.until(HubFixture.BOUND, "the gateway knows " + dfsp.name() + "'s HTTPS endpoint", () -> hub.gateway.participants
                .callbackUrl(dfsp.name(), "FSPIOP_CALLBACK_URL_TRANSFER_POST", "x").filter(u -> u.startsWith("https:")).isPresent());
    }

    private static HttpResponse<String> send(HttpClient client, String source, String body, String credential) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/transfers"))
                .header("Content-Type", HttpHub.TYPE).header("Accept", HttpHub.TYPE).header("FSPIOP-Source", source)
                .header("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (credential != null) {
            b.header("Authorization", "Bearer " + credential);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A client trusting the test CA, presenting {@code who}'s certificate (none when null). */
    private static HttpClient client(String who) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store("trust.p12"));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        if (who != null) {
            keys.init(store(who + ".p12"), PASSWORD.toCharArray());
        }
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(who == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static KeyStore store(String file) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(dir.resolve(file).toFile())) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static void authority(String name) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "bc:c", "-validity", "2", "-keystore", dir.resolve(name + ".p12").toString(), "-storepass", PASSWORD);
        keytool("-exportcert", "-alias", name, "-rfc", "-file", dir.resolve(name + ".pem").toString(),
                "-keystore", dir.resolve(name + ".p12").toString(), "-storepass", PASSWORD);
    }

    /** A key pair for {@code name} whose certificate {@code ca} signed, chain included, in {name}.p12. */
    private static void signed(String name, String subject, String ca, String extension) throws Exception {
        String store = dir.resolve(name + ".p12").toString();
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", subject,
                "-validity", "2", "-keystore", store, "-storepass", PASSWORD);
        keytool("-certreq", "-alias", name, "-file", dir.resolve(name + ".csr").toString(), "-keystore", store,
                "-storepass", PASSWORD);
        List<String> sign = new ArrayList<>(List.of("-gencert", "-alias", ca, "-infile", dir.resolve(name + ".csr").toString(),
                "-outfile", dir.resolve(name + ".pem").toString(), "-rfc", "-validity", "2",
                "-keystore", dir.resolve(ca + ".p12").toString(), "-storepass", PASSWORD));
        if (extension != null) {
            sign.addAll(List.of("-ext", extension));
        }
        keytool(sign.toArray(String[]::new));
        keytool("-importcert", "-alias", ca, "-file", dir.resolve(ca + ".pem").toString(), "-keystore", store,
                "-storepass", PASSWORD, "-noprompt");
        keytool("-importcert", "-alias", name, "-file", dir.resolve(name + ".pem").toString(), "-keystore", store,
                "-storepass", PASSWORD, "-noprompt");
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("keytool " + String.join(" ", args) + ": " + out).isTrue();
    }
}
