package dev.mizani.platform.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Bearer credentials: 32 random bytes, URL-safe base64. Only their SHA-256 is ever stored or put on a
 * topic; with 256 bits of entropy a plain hash is as good as a slow one, and it keeps the check per
 * request to one digest. Comparison of hashes is constant-time.
 */
public final class Credentials {
    /** A credential an operator registers instead of having one issued must be at least this long. */
    public static final int REGISTERED_LENGTH_MIN = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Credentials() {}

    public static String issue() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * The secret kept in {@code file}, or a new one issued into it (readable by its owner only) when there is none:
     * how the hub keeps the operator's credential and its credential key across restarts without a default anyone
     * could guess.
     */
    public static String storedOrIssued(java.nio.file.Path file) {
        try {
            if (java.nio.file.Files.exists(file)) {
                return java.nio.file.Files.readString(file).trim();
            }
            java.nio.file.Files.createDirectories(file.getParent());
            String secret = issue();
            java.nio.file.Files.writeString(file, secret + "\n");
            try {
                java.nio.file.Files.setPosixFilePermissions(file,
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system; the data directory's own permissions apply
            }
            return secret;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read or write the secret " + file, e);
        }
    }

    public static String sha256Hex(String credential) {
        return HexFormat.of().formatHex(sha256(credential.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * SHA-256 of {@code bytes} with this thread's digest: the gateway hashes a credential and a body per request,
     * and looking the algorithm up among the security providers cost more than hashing the bytes.
     */
    public static byte[] sha256(byte[] bytes) {
        return SHA_256.get().digest(bytes);
    }

    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    });

    public static boolean sameHash(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII),
                b.getBytes(StandardCharsets.US_ASCII));
    }

    /** The credential of an {@code Authorization: Bearer <credential>} header. */
    public static Optional<String> bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() || token.length() > 512 ? Optional.empty() : Optional.of(token);
    }
}
