package dev.mizani.hub.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mizani.gateway.security.Jws;
import dev.mizani.hub.http.HttpHub.Dfsp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Compatibility checked by code this project did not write: a Node.js payer and payee DFSP built on Mojaloop's
 * FSPIOP client library ({@code @mojaloop/sdk-standard-components}, pinned by the committed lockfile) drive
 * the gateway over HTTP, with the library's own headers, ILP v1 packets, conditions and fulfilments
 * ({@code src/test/node/sdk-compat/dfsps.js}). Every request is signed with the library's JWS signer and verified by
 * the hub against the keys registered through the admin API; every callback's signature is checked by the library's
 * validator at the DFSP (the sender's key for what the hub forwards, the hub's for what it says itself). Skipped,
 * with the reason, on a machine without node and npm.
 */
class SdkCompatibilityTest {
    private static final Path SOURCE = Path.of("src/test/node/sdk-compat");
    private static final Path WORK = Path.of("target/sdk-compat");
    private static final List<String> SCENARIOS = List.of("preparedFulfilledAndCommittedToThePayer",
            "reservedFulfilTellsThePayeeByPatch", "payeeRejectReachesThePayerWithItsCode",
            "getTransfersAnswersWithTheCommittedState", "anInvalidAmountIsRefusedSynchronouslyWith3100",
            "anotherDfspsCredentialIsRefused", "aPrepareWhoseBodyWasChangedAfterSigningIsRefusedWith3105");
    /** What the scenarios commit, in cents: 10.25 + 3 + 2. */
    private static final long COMMITTED_MINOR = 1_525;

    @Test
    void mojaloopsOwnClientLibraryPreparesFulfilsRejectsAndAsksThroughTheGateway() throws Exception {
        assumeTrue(runs("node", "--version"), "node is not installed here; the Mojaloop SDK compatibility test needs Node.js 18+");
        assumeTrue(runs("npm", "--version"), "npm is not installed here; the Mojaloop SDK compatibility test needs it");
        installLibrary();

        String run = UUID.randomUUID().toString().substring(0, 6);
        KeyPair hubKey = rsa();
        KeyPair payerKey = rsa();
        KeyPair payeeKey = rsa();
        try (HttpHub hub = new HttpHub(10_000, 10_000, java.util.Optional.empty(),
                new Jws.Settings(java.util.Optional.of(hubKey.getPrivate()), true))) {
            Dfsp payer = hub.onboard("sdkpayer" + run, "100000", "100000", false);
            Dfsp payee = hub.onboard("sdkpayee" + run, "100000", "100000", false);
            for (var dfsp : List.of(java.util.Map.entry(payer, payerKey), java.util.Map.entry(payee, payeeKey))) {
                HttpHub.expect(hub.admin("PUT", "/participants/" + dfsp.getKey().name() + "/jwsPublicKey",
                        HttpHub.JSON.createObjectNode().put("publicKey", Jws.pem("PUBLIC KEY",
                                dfsp.getValue().getPublic().getEncoded())).toString()), 200);
            }
            payer.server().stop(0);
            payee.server().stop(0);
            hub.f.awaitDirectoryKnows(payer.name(), payee.name());

            String config = HttpHub.JSON.createObjectNode()
                    .put("hub", "127.0.0.1:" + hub.gateway.transfers.port())
                    .put("hubName", "Hub")
                    .put("hubPublicKey", Jws.pem("PUBLIC KEY", hubKey.getPublic().getEncoded()))
                    .put("currency", "USD")
                    .<com.fasterxml.jackson.databind.node.ObjectNode>set("payer", dfspConfig(payer, payerKey))
                    .<com.fasterxml.jackson.databind.node.ObjectNode>set("payee", dfspConfig(payee, payeeKey))
                    .toString();
            ProcessBuilder pb = new ProcessBuilder("node", "dfsps.js").directory(WORK.toFile()).redirectErrorStream(true);
            pb.environment().put("MIZANI_COMPAT_CONFIG", config);
            Process node = pb.start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                 Writer in = node.outputWriter(StandardCharsets.UTF_8)) {
                String[] listening = awaitLine(out, "LISTENING ", 60).split(" ");
                hub.registerEndpoints(payer.name(), "http://127.0.0.1:" + listening[1]);
                hub.registerEndpoints(payee.name(), "http://127.0.0.1:" + listening[2]);
                in.write("go\n");
                in.flush();

                List<String> results = new ArrayList<>();
                String done = awaitLine(out, "DONE ", 180, results);
                assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(results).as("the library's scenarios, ending " + done).filteredOn(l -> l.startsWith("FAIL")).isEmpty();
                assertThat(results).filteredOn(l -> l.startsWith("PASS ")).map(l -> l.substring(5))
                        .containsExactlyInAnyOrderElementsOf(SCENARIOS);
                assertThat(node.exitValue()).isZero();
            } finally {
                node.destroyForcibly();
            }

            // the money moved exactly as the committed scenarios say, and nothing is left reserved
            hub.awaitPosition(payer.name(), COMMITTED_MINOR, 0);
            hub.awaitPosition(payee.name(), -COMMITTED_MINOR, 0);
        }
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode dfspConfig(Dfsp dfsp, KeyPair key) {
        return HttpHub.JSON.createObjectNode().put("name", dfsp.name()).put("credential", dfsp.credential())
                .put("signingKey", Jws.pem("PRIVATE KEY", key.getPrivate().getEncoded()))
                .put("publicKey", Jws.pem("PUBLIC KEY", key.getPublic().getEncoded()));
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    /**
     * {@code npm ci} from the committed lockfile into target/, skipped when the same lockfile is installed
     * there already. A failed install fails the test: the registry is reachable wherever this suite runs.
     */
    private static void installLibrary() throws Exception {
        Files.createDirectories(WORK);
        byte[] lock = Files.readAllBytes(SOURCE.resolve("package-lock.json"));
        Path installedLock = WORK.resolve("node_modules/.mizani-installed-lock.json");
        for (String file : List.of("package.json", "package-lock.json", "dfsps.js")) {
            Files.copy(SOURCE.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.exists(installedLock) && java.util.Arrays.equals(Files.readAllBytes(installedLock), lock)) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
                .directory(WORK.toFile()).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        boolean finished = npm.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            npm.destroyForcibly();
        }
        assertThat(finished && npm.exitValue() == 0).as("npm ci of the Mojaloop SDK: " + output.get(10, TimeUnit.SECONDS)).isTrue();
        Files.write(installedLock, lock);
    }

    private static String awaitLine(BufferedReader out, String prefix, int seconds) throws Exception {
        return awaitLine(out, prefix, seconds, new ArrayList<>());
    }

    /** Reads the script's output until a line starting with {@code prefix}, keeping the lines before it. */
    private static String awaitLine(BufferedReader out, String prefix, int seconds, List<String> seen) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    if (l.startsWith(prefix)) {
                        return l;
                    }
                    seen.add(l);
                }
                return null;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String found = line.get(seconds, TimeUnit.SECONDS);
        assertThat(found).as("the script's '" + prefix.trim() + "' line; it printed " + seen).isNotNull();
        return found;
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
