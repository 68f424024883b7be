package dev.mizani.platform.security;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The hub's secret for participants' credentials. What the hub keeps of a credential, on the participant's event
 * stream and so on {@code participants.events}, is {@code hmac-sha256:} and the HMAC-SHA256 of the credential under
 * this key: whoever reads the topic (an integrator) cannot test guessed credentials without the key, which never
 * leaves the hub's processes. One HMAC per request, a microsecond or two. Events written before the key existed
 * carry the credential's plain SHA-256, which {@link #storedForms} still recognises.
 */
public final class CredentialKey {
    public static final String PREFIX = "hmac-sha256:";
    /** A key given by configuration must be at least this long. */
    public static final int LENGTH_MIN = 32;

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    public CredentialKey(String secret) {
        if (secret == null || secret.length() < LENGTH_MIN) {
            throw new IllegalArgumentException("the credential key must be at least " + LENGTH_MIN + " characters");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("this JDK cannot compute HMAC-SHA256", e);
            }
        });
    }

    /** What is stored of a credential: {@code hmac-sha256:<hex>}. */
    public String digest(String credential) {
        return PREFIX + HexFormat.of().formatHex(macs.get().doFinal(credential.getBytes(StandardCharsets.UTF_8)));
    }

    /** The stored forms a presented credential may match: keyed, then the plain SHA-256 of older events. */
    public List<String> storedForms(String credential) {
        return List.of(digest(credential), Credentials.sha256Hex(credential));
    }

    /**
     * {@code MIZANI_CREDENTIAL_KEY} when set, else the key kept in {@code file}, generated (owner-only) on first start.
     * Every process that issues or checks credentials (gateway, admin API, query API) must use the same key.
     */
    public static CredentialKey load(Map<String, String> env, Path file) {
        String configured = env.get("MIZANI_CREDENTIAL_KEY");
        if (configured != null && !configured.isBlank()) {
            return new CredentialKey(configured.trim());
        }
        return new CredentialKey(Credentials.storedOrIssued(file));
    }
}
