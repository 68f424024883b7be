package dev.mizani.platform.testing;

import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.transfer.TransferExpired;
import java.time.Instant;
import java.util.UUID;

/** Events for tests of the wire and its readers, never written to the hub's own streams. */
public final class SampleEvents {
    private SampleEvents() {}

    /** An expiry of {@code transferId}, the first event of stream {@code transfer-<transferId>}. */
    public static TransferEventEnvelope expired(String transferId) {
        EventMetadata meta = new EventMetadata(UUID.randomUUID().toString(), "transfer-" + transferId, 1L, transferId,
                "expire:" + transferId, Instant.ofEpochMilli(1_700_000_000_000L));
        return new TransferEventEnvelope(meta, new TransferExpired(transferId, "payer", "payee", 100L, "USD", true));
    }
}
