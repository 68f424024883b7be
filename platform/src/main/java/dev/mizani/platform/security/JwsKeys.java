package dev.mizani.platform.security;

import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** What a participant's signing key must be: an RSA public key in PEM, as FSPIOP's JWS (RS256) uses. */
public final class JwsKeys {
    private static final int BITS_MIN = 2048;

    private JwsKeys() {}

    /** The key in {@code pem} ("-----BEGIN PUBLIC KEY-----", SubjectPublicKeyInfo); throws if it is not one. */
    public static RSAPublicKey rsaPublicKey(String pem) {
        if (pem == null || !pem.contains("-----BEGIN PUBLIC KEY-----") || !pem.contains("-----END PUBLIC KEY-----")) {
            throw new IllegalArgumentException("not a PEM public key");
        }
        String base64 = pem.substring(pem.indexOf("-----BEGIN PUBLIC KEY-----") + 26, pem.indexOf("-----END PUBLIC KEY-----"))
                .replaceAll("\\s", "");
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(
                    new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (Exception e) {
            throw new IllegalArgumentException("not an RSA public key: " + e.getMessage(), e);
        }
    }

    public static boolean isRsaPublicKey(String pem) {
        try {
            return rsaPublicKey(pem).getModulus().bitLength() >= BITS_MIN;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
