package dev.mizani.gateway.callbacks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.schemas.transfer.RequestAsReceived;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferPrepareAccepted;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContentVersionsTest {
    private static RequestAsReceived sent(String contentType) {
        return new RequestAsReceived(ByteBuffer.wrap(new byte[] {'{', '}'}), Map.of("Content-Type", contentType));
    }

    @Test
    void eachPartyHearsTheHubInTheVersionItsRequestsUsed() {
        ContentVersions versions = new ContentVersions();
        assertThat(versions.contentType("t1", "payer")).as("unknown: 1.1").isEqualTo(ContentVersions.V11);
        versions.learn(new TransferPrepareAccepted("t1", "payer", "payee", 1L, "USD", "ilp", "c", Instant.EPOCH, "h",
                sent("application/vnd.interoperability.transfers+json;version=1.0")));
        assertThat(versions.contentType("t1", "payer")).isEqualTo(ContentVersions.V10);
        assertThat(versions.contentType("t1", "payee")).as("it received the prepare in 1.0").isEqualTo(ContentVersions.V10);
        versions.learn(new TransferCommitted("t1", "payer", "payee", 1L, "USD", "f", Instant.EPOCH, "h", false,
                sent("application/vnd.interoperability.transfers+json;version=1.1")));
        assertThat(versions.contentType("t1", "payee")).as("its own answer was 1.1").isEqualTo(ContentVersions.V11);
        assertThat(versions.contentType("t2", "payer")).isEqualTo(ContentVersions.V11);
        versions.remember("t2", "payer", "application/vnd.interoperability.transfers+json;version=1.0");
        assertThat(versions.contentType("t2", "payer")).as("a GET's Accept").isEqualTo(ContentVersions.V10);
        versions.remember("t2", "payer", "application/vnd.interoperability.transfers+json;version=1");
        assertThat(versions.contentType("t2", "payer")).as("major version 1: the newest minor").isEqualTo(ContentVersions.V11);
    }

    @Test
    void aPrepareSentIn11ThatAccepts10IsAnsweredIn10AsMojaloopsCollectionsExpect() {
        ContentVersions versions = new ContentVersions();
        versions.learn(new TransferPrepareAccepted("t3", "payer", "payee", 1L, "USD", "ilp", "c", Instant.EPOCH, "h",
                new RequestAsReceived(ByteBuffer.wrap(new byte[] {'{', '}'}), Map.of(
                        "Content-Type", "application/vnd.interoperability.transfers+json;version=1.1",
                        "Accept", "application/vnd.interoperability.transfers+json;version=1.0"))));
        assertThat(versions.contentType("t3", "payer")).isEqualTo(ContentVersions.V10);
        versions.learn(new TransferPrepareAccepted("t4", "payer", "payee", 1L, "USD", "ilp", "c", Instant.EPOCH, "h",
                new RequestAsReceived(ByteBuffer.wrap(new byte[] {'{', '}'}), Map.of(
                        "Content-Type", "application/vnd.interoperability.transfers+json;version=1.0",
                        "Accept", "application/vnd.interoperability.transfers+json;version=1"))));
        assertThat(versions.contentType("t4", "payer")).as("an Accept naming no minor version: the Content-Type's")
                .isEqualTo(ContentVersions.V10);
    }

    @Test
    void onlyPartiesOn10AreRememberedSoA11HubKeepsNothing() {
        ContentVersions versions = new ContentVersions();
        for (int i = 0; i < 1_000; i++) {
            versions.learn(new TransferPrepareAccepted("t" + i, "payer", "payee", 1L, "USD", "ilp", "c", Instant.EPOCH,
                    "h", sent(ContentVersions.V11)));
        }
        assertThat(versions.remembered()).isZero();
        versions.learn(new TransferPrepareAccepted("t1", "payer", "payee", 1L, "USD", "ilp", "c", Instant.EPOCH, "h",
                sent(ContentVersions.V10)));
        assertThat(versions.remembered()).as("both parties of t1").isEqualTo(2);
        versions.learn(new TransferCommitted("t1", "payer", "payee", 1L, "USD", "f", Instant.EPOCH, "h", false,
                sent(ContentVersions.V11)));
        assertThat(versions.remembered()).as("the payee answered in 1.1").isEqualTo(1);
        assertThat(versions.contentType("t1", "payee")).isEqualTo(ContentVersions.V11);
        assertThat(versions.contentType("t1", "payer")).isEqualTo(ContentVersions.V10);
        versions.remember("t1", "payee", ContentVersions.V10);
        assertThat(versions.contentType("t1", "payee")).as("and then asked in 1.0 again").isEqualTo(ContentVersions.V10);
    }
}
