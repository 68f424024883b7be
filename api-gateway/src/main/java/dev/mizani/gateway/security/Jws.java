package dev.mizani.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * FSPIOP message signatures (JWS, RS256, detached), as Mojaloop's schemes use them: the {@code FSPIOP-Signature}
 * header is {@code {"signature": ..., "protectedHeader": ...}}, both base64url, and the protected header names the
 * request's {@code FSPIOP-URI}, {@code FSPIOP-HTTP-Method}, {@code FSPIOP-Source}, and its {@code FSPIOP-Destination}
 * and {@code Date} when it has them. The hub signs what it says itself with its own key; the gateway can verify what
 * participants send with the public keys registered for them.
 */
public final class Jws {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();
    private static final String ALG = "RS256";

    private Jws() {}

    /** How the hub uses signatures: its own key to sign with (empty: it signs nothing) and whether it verifies. */
    public record Settings(Optional<PrivateKey> signingKey, boolean verify) {
        public static final Settings NONE = new Settings(Optional.empty(), false);
    }

    /** An FSPIOP request's signature failed: why, for the 3105 answer. */
    public record Invalid(String reason) {}

    /**
     * The {@code FSPIOP-Signature} value for a request with these {@code headers} (FSPIOP names) and {@code body}, the
     * exact bytes that will be sent.
     */
    public static String sign(PrivateKey key, Map<String, String> headers, byte[] body) {
        ObjectNode protectedHeader = JSON.createObjectNode().put("alg", ALG);
        for (String name : List.of("FSPIOP-URI", "FSPIOP-HTTP-Method", "FSPIOP-Source", "FSPIOP-Destination", "Date")) {
            String value = headers.get(name);
            if (value != null) {
                protectedHeader.put(name, value);
            }
        }
        String encodedHeader = B64URL.encodeToString(protectedHeader.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update((encodedHeader + "." + B64URL.encodeToString(body)).getBytes(StandardCharsets.US_ASCII));
            return JSON.createObjectNode().put("protectedHeader", encodedHeader)
                    .put("signature", B64URL.encodeToString(rsa.sign())).toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with the hub's JWS key", e);
        }
    }

    /**
     * Checks a participant's request as Mojaloop's validator does: the protected header's fields match the request's
     * headers, and the signature verifies over the body with the sender's key. {@code header} looks a request header
     * up by name, case-insensitively. The signed payload is the body's bytes, or (as Mojaloop's validator computes
     * it) the body's JSON with its keys sorted and no spaces, so either way of signing passes.
     */
    public static Optional<Invalid> verify(Function<String, String> header, byte[] body, Function<String, PublicKey> keys) {
        String source = header.apply("FSPIOP-Source");
        String value = header.apply("FSPIOP-Signature");
        if (value == null) {
            return invalid("FSPIOP-Signature is required");
        }
        PublicKey key = source == null ? null : keys.apply(source);
        if (key == null) {
            return invalid("no JWS public key is registered for " + source);
        }
        String encodedHeader;
        byte[] signature;
        JsonNode protectedHeader;
        try {
            JsonNode parsed = JSON.readTree(value);
            encodedHeader = parsed.path("protectedHeader").asText(null);
            String encodedSignature = parsed.path("signature").asText(null);
            if (encodedHeader == null || encodedSignature == null) {
                return invalid("FSPIOP-Signature needs protectedHeader and signature");
            }
            signature = B64URL_DECODER.decode(encodedSignature);
            protectedHeader = JSON.readTree(B64URL_DECODER.decode(encodedHeader));
        } catch (IOException | IllegalArgumentException e) {
            return invalid("FSPIOP-Signature is not a JWS signature object");
        }
        if (!ALG.equals(protectedHeader.path("alg").asText())) {
            return invalid("the protected header's alg must be " + ALG);
        }
        for (String name : List.of("FSPIOP-URI", "FSPIOP-HTTP-Method", "FSPIOP-Source")) {
            String signed = protectedHeader.path(name).asText(null);
            if (signed == null || !signed.equals(header.apply(name))) {
                return invalid("the protected header's " + name + " does not match the request's");
            }
        }
        for (String name : List.of("FSPIOP-Destination", "Date")) {
            String signed = protectedHeader.path(name).asText(null);
            String sent = header.apply(name);
            if (signed != null ? !signed.equals(sent) : sent != null && name.equals("FSPIOP-Destination")) {
                return invalid("the protected header's " + name + " does not match the request's");
            }
        }
        if (verifies(key, encodedHeader, body, signature)) {
            return Optional.empty();
        }
        byte[] canonical = canonical(body);
        if (canonical != null && verifies(key, encodedHeader, canonical, signature)) {
            return Optional.empty();
        }
        return invalid("the signature does not verify with " + source + "'s key");
    }

    private static boolean verifies(PublicKey key, String encodedHeader, byte[] payload, byte[] signature) {
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(key);
            rsa.update((encodedHeader + "." + B64URL.encodeToString(payload)).getBytes(StandardCharsets.US_ASCII));
            return rsa.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The JSON with every object's keys in order and no spaces, as JavaScript's safe-stable-stringify writes it (and
     * Mojaloop's SDK signs and verifies); null if it is not JSON.
     */
    public static byte[] canonical(byte[] json) {
        try {
            return JSON.writeValueAsBytes(sorted(JSON.readTree(json)));
        } catch (IOException e) {
            return null;
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            names.sort(String::compareTo); // UTF-16 code units, as JavaScript's default sort
            ObjectNode out = JSON.createObjectNode();
            for (String name : names) {
                out.set(name, sorted(node.get(name)));
            }
            return out;
        }
        if (node.isArray()) {
            var out = JSON.createArrayNode();
            node.forEach(element -> out.add(sorted(element)));
            return out;
        }
        return node;
    }

    private static Optional<Invalid> invalid(String reason) {
        return Optional.of(new Invalid(reason));
    }

    /**
     * The hub's signing key from {@code file} (PKCS#8 PEM), generated there (RSA 2048, owner-only, with its public
     * half beside it as {@code <file>.pub}) when absent.
     */
    public static PrivateKey signingKey(Path file) {
        try {
            if (!Files.exists(file)) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.writeString(file, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: the directory's own protection applies
                }
                Files.writeString(Path.of(file + ".pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            }
            String text = Files.readString(file);
            String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the hub's JWS key at " + file, e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException(file + " is not an RSA private key in PKCS#8 PEM (BEGIN PRIVATE KEY)", e);
        }
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The fields of a signature's protected header, in its order: what a test checks the hub signed. */
    static Map<String, String> protectedHeader(String signatureValue) throws IOException {
        JsonNode parsed = JSON.readTree(signatureValue);
        Map<String, String> out = new LinkedHashMap<>();
        JSON.readTree(B64URL_DECODER.decode(parsed.path("protectedHeader").asText())).fields()
                .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
