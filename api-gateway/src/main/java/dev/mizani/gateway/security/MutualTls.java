package dev.mizani.gateway.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The optional mutual TLS of the FSPIOP API: the gateway presents the key in {@code keystore} and accepts only
 * clients whose certificate chains to a certificate in {@code truststore}. The certificate's subject common
 * name (CN) is the participant: it must equal FSPIOP-Source, as a bearer credential must belong to it.
 * Both stores are PKCS#12.
 */
public record MutualTls(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {

    /**
     * From MIZANI_GATEWAY_TLS_KEYSTORE and MIZANI_GATEWAY_TLS_TRUSTSTORE (with their _PASSWORD); empty when
     * neither is set, an error when only one is.
     */
    public static Optional<MutualTls> fromEnv(Map<String, String> env) {
        String keystore = env.get("MIZANI_GATEWAY_TLS_KEYSTORE");
        String truststore = env.get("MIZANI_GATEWAY_TLS_TRUSTSTORE");
        if (keystore == null && truststore == null) {
            return Optional.empty();
        }
        if (keystore == null || truststore == null) {
            throw new IllegalArgumentException("mutual TLS needs both MIZANI_GATEWAY_TLS_KEYSTORE and MIZANI_GATEWAY_TLS_TRUSTSTORE");
        }
        return Optional.of(new MutualTls(Path.of(keystore), env.getOrDefault("MIZANI_GATEWAY_TLS_KEYSTORE_PASSWORD", ""),
                Path.of(truststore), env.getOrDefault("MIZANI_GATEWAY_TLS_TRUSTSTORE_PASSWORD", "")));
    }

    /** The server's TLS context: its own key, and trust in the participants' certificate authorities only. */
    public SSLContext sslContext() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keystore, keystorePassword), keystorePassword.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(truststore, truststorePassword));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up mutual TLS from " + keystore + " and " + truststore + ": " + e, e);
        }
    }

    private static KeyStore load(Path file, String password) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }

    /** The participant a verified client chain names: the CN of its first (leaf) certificate's subject. */
    public static Optional<String> participantOf(Certificate[] chain) {
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        try {
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
