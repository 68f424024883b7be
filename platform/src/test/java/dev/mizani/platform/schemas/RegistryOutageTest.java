package dev.mizani.platform.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.platform.testing.NewerWriter;
import dev.mizani.platform.testing.RegistryLink;
import dev.mizani.platform.testing.SampleEvents;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.wire.EventWireCodec;
import dev.mizani.schemas.wire.WireFormatException;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Through a link to the real registry that is cut and restored: a record whose schema is new to its reader is not
 * called bad (which would dead-letter or skip it) while the registry cannot be asked; it is read once it can.
 */
class RegistryOutageTest {
    private final SharedInfrastructure infra = SharedInfrastructure.get();
    private final String topic = "outage-" + UUID.randomUUID().toString().substring(0, 8) + ".events";

    @Test
    void aSchemaNewToTheReaderIsUnavailableWhileTheRegistryIsAwayAndReadAfter() {
        EventWireCodec<TransferEventEnvelope> writer = new EventWireCodec<>(infra.registry, topic,
                TransferEventEnvelope.getClassSchema());
        TransferEventEnvelope event = SampleEvents.expired("t-1");
        byte[] current = writer.encode(event);
        byte[] newer = NewerWriter.rewriteEvent(current, topic, infra.registry);

        try (RegistryLink link = new RegistryLink(infra.infrastructure.registryUrl())) {
            EventWireCodec<TransferEventEnvelope> reader = new EventWireCodec<>(link.registry(), topic,
                    TransferEventEnvelope.getClassSchema());
            link.cut();
            assertThat(reader.decode(current)).as("a schema the reader registered itself needs no registry")
                    .isEqualTo(event);
            assertThatThrownBy(() -> reader.decode(newer)).isInstanceOf(RegistryUnavailableException.class)
                    .hasMessageContaining("schema registry unavailable");
            assertThatThrownBy(() -> reader.payloadTypeOf(newer)).isInstanceOf(RegistryUnavailableException.class);

            link.restore();
            assertThat(reader.decode(newer)).isEqualTo(event);
            assertThat(reader.payloadTypeOf(newer)).isEqualTo(TransferExpired.getClassSchema().getFullName());
        }
    }

    @Test
    void anIdTheRegistryDoesNotHaveIsStillABadRecord() {
        EventWireCodec<TransferEventEnvelope> codec = new EventWireCodec<>(infra.registry, topic,
                TransferEventEnvelope.getClassSchema());
        byte[] unknown = codec.encode(SampleEvents.expired("t-2"));
        unknown[1] = 0x7f;
        assertThatThrownBy(() -> codec.decode(unknown)).isInstanceOf(WireFormatException.class)
                .hasMessageContaining("unknown schema id");
    }
}
