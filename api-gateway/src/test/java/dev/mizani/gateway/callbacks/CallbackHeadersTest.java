package dev.mizani.gateway.callbacks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.schemas.transfer.RequestAsReceived;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallbackHeadersTest {
    private static final String TYPE = "application/vnd.interoperability.transfers+json;version=1.1";
    private static final String DATE = "Sun, 06 Dec 2026 10:00:00 GMT";

    @Test
    void whatTheHubSaysCarriesItsOwnNameAndTheCallbacksResource() {
        Callback c = new Callback("payer", Callback.ERROR, "PUT", "t1", "{\"errorInformation\":{}}");
        assertThat(c.headers(TYPE, "Hub", DATE)).containsExactly(Map.entry("Content-Type", TYPE),
                Map.entry("FSPIOP-Source", "Hub"), Map.entry("FSPIOP-Destination", "payer"), Map.entry("Date", DATE),
                Map.entry("FSPIOP-URI", "/transfers/t1/error"), Map.entry("FSPIOP-HTTP-Method", "PUT"));
        assertThat(new String(c.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"errorInformation\":{}}");
    }

    @Test
    void aForwardedRequestKeepsItsSendersBytesAndHeadersAndGainsNoDestinationItsSignatureDoesNotCover() {
        String sent = "{ \"transferId\" : \"t1\", \"extensionList\": {\"extension\": [{\"key\":\"k\",\"value\":\"v\"}]}}";
        Map<String, String> signed = new LinkedHashMap<>(Map.of("Content-Type", TYPE + " ", "Date", "Sat, 05 Dec 2026 23:59:59 GMT",
                "FSPIOP-Source", "payer", "FSPIOP-Signature", "{\"signature\":\"s\",\"protectedHeader\":\"p\"}",
                "FSPIOP-URI", "/transfers", "FSPIOP-HTTP-Method", "POST"));
        Callback c = new Callback("payee", Callback.POST, "POST", "t1", "{\"rebuilt\":true}", "payer",
                new RequestAsReceived(ByteBuffer.wrap(sent.getBytes(StandardCharsets.UTF_8)), signed));
        assertThat(new String(c.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo(sent);
        assertThat(c.headers(TYPE, "Hub", DATE)).isEqualTo(signed);

        Map<String, String> unsigned = new LinkedHashMap<>(signed);
        unsigned.remove("FSPIOP-Signature");
        unsigned.remove("FSPIOP-URI");
        Callback plain = new Callback("payee", Callback.POST, "POST", "t1", "{}", "payer",
                new RequestAsReceived(ByteBuffer.wrap(sent.getBytes(StandardCharsets.UTF_8)), unsigned));
        assertThat(plain.headers(TYPE, "Hub", DATE)).containsEntry("FSPIOP-Destination", "payee")
                .containsEntry("FSPIOP-URI", "/transfers").containsEntry("Date", "Sat, 05 Dec 2026 23:59:59 GMT")
                .containsEntry("FSPIOP-Source", "payer");
    }
}
