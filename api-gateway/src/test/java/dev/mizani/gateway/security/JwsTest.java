package dev.mizani.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class JwsTest {
    private static final KeyPair PAYER = rsa();
    private static final KeyPair OTHER = rsa();
    private static final Function<String, PublicKey> KEYS = name -> name.equals("payer") ? PAYER.getPublic() : null;
    private static final byte[] BODY = "{\"transferId\":\"t1\", \"amount\":{\"currency\":\"USD\",\"amount\":\"1\"}}"
            .getBytes(StandardCharsets.UTF_8);

    private static Map<String, String> request() {
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        h.putAll(Map.of("FSPIOP-Source", "payer", "FSPIOP-Destination", "payee", "FSPIOP-URI", "/transfers",
                "FSPIOP-HTTP-Method", "POST", "Date", "Sun, 06 Dec 2026 10:00:00 GMT"));
        return h;
    }

    private static Map<String, String> signed(KeyPair key, byte[] body) {
        Map<String, String> h = request();
        h.put("FSPIOP-Signature", Jws.sign(key.getPrivate(), h, body));
        return h;
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        h.putAll(headers);
        h.put(name, value);
        return h;
    }

    @Test
    void aSignatureOverTheBodyAndItsHeadersVerifiesWithTheSendersKey() throws Exception {
        Map<String, String> h = signed(PAYER, BODY);
        assertThat(Jws.verify(h::get, BODY, KEYS)).isEmpty();
        assertThat(Jws.protectedHeader(h.get("FSPIOP-Signature"))).containsExactly(Map.entry("alg", "RS256"),
                Map.entry("FSPIOP-URI", "/transfers"), Map.entry("FSPIOP-HTTP-Method", "POST"),
                Map.entry("FSPIOP-Source", "payer"), Map.entry("FSPIOP-Destination", "payee"),
                Map.entry("Date", "Sun, 06 Dec 2026 10:00:00 GMT"));
    }

    @Test
    void aSignatureOverTheSortedCompactFormVerifiesTooAsMojaloopsValidatorComputesIt() {
        Map<String, String> h = signed(PAYER, Jws.canonical(BODY));
        assertThat(new String(Jws.canonical(BODY), StandardCharsets.UTF_8))
                .isEqualTo("{\"amount\":{\"amount\":\"1\",\"currency\":\"USD\"},\"transferId\":\"t1\"}");
        assertThat(Jws.verify(h::get, BODY, KEYS)).isEmpty();
    }

    @Test
    void everythingElseIsRefusedWithItsReason() {
        Map<String, String> good = signed(PAYER, BODY);
        assertThat(Jws.verify(good::get, "{\"transferId\":\"t2\"}".getBytes(StandardCharsets.UTF_8), KEYS))
                .hasValueSatisfying(i -> assertThat(i.reason()).contains("does not verify with payer's key"));
        Map<String, String> forged = signed(OTHER, BODY);
        assertThat(Jws.verify(forged::get, BODY, KEYS)).isPresent();
        Map<String, String> unsigned = request();
        assertThat(Jws.verify(unsigned::get, BODY, KEYS))
                .hasValueSatisfying(i -> assertThat(i.reason()).isEqualTo("FSPIOP-Signature is required"));
        assertThat(Jws.verify(with(good, "FSPIOP-Source", "stranger")::get, BODY, KEYS))
                .hasValueSatisfying(i -> assertThat(i.reason()).contains("no JWS public key is registered for stranger"));
        for (String header : new String[] {"FSPIOP-URI", "FSPIOP-HTTP-Method", "FSPIOP-Destination", "Date"}) {
            assertThat(Jws.verify(with(good, header, "something else")::get, BODY, KEYS)).as(header)
                    .hasValueSatisfying(i -> assertThat(i.reason()).contains(header + " does not match"));
        }
        assertThat(Jws.verify(with(good, "FSPIOP-Signature", "not json")::get, BODY, KEYS)).isPresent();
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
