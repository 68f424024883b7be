package dev.mizani.transfers.handler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.transfers.domain.AsReceived;
import dev.mizani.transfers.domain.Transfer;
import dev.mizani.transfers.domain.Transfer.Terms;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransferSnapshotsTest {
    private static final Terms TERMS = new Terms("t1", "payer", "payee", 1_050, "USD", "ilp", "cond",
            Instant.parse("2026-11-21T12:00:00.123Z"), "hash");

    @Test
    void everyStateSurvivesTheSnapshot() {
        for (Transfer state : List.of(new Transfer.Absent(), new Transfer.PrepareFailed("payer", "h", 3100, "bad"),
                new Transfer.Received(TERMS), new Transfer.Received(TERMS, new AsReceived(
                        "{ \"transferId\": \"t1\" }".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        java.util.Map.of("FSPIOP-Source", "payer", "FSPIOP-Signature", "{\"signature\":\"s\"}"))),
                new Transfer.Reserved(TERMS), new Transfer.Committed(TERMS, "fh"),
                new Transfer.Committed(TERMS, "fh", "fulfilment", Instant.parse("2026-11-21T11:59:00.456Z")),
                new Transfer.Aborted(TERMS, 5100, "no", null, true), new Transfer.Aborted(TERMS, 4200, "cap", "h2", false),
                new Transfer.Expired(TERMS, false))) {
            assertThat(TransferSnapshots.read(TransferSnapshots.write(state))).isEqualTo(state);
        }
    }
}
