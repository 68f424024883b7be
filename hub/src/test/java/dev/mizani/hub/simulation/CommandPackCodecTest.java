package dev.mizani.hub.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.participants.handler.ParticipantCodec;
import dev.mizani.participants.policy.TransferEventsTranslation;
import dev.mizani.platform.commandloop.AggregateCodec.DecodedCommand;
import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.policy.PolicyStream;
import dev.mizani.schemas.common.PackedCommand;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The participants' handler reads a pack of its policy's commands as the commands it holds, each with its own id and
 * the source position the pack names; a pack it cannot trust whole (a command for another participant, a pack in a
 * pack, none at all) is refused whole, so the loop dead-letters the record with every command in it.
 */
class CommandPackCodecTest {
    private static final Instant NOW = Instant.parse("2026-12-08T00:00:00Z");

    private final CachedSchemaRegistry registry = new CachedSchemaRegistry(new SimRegistry());
    private final ParticipantCodec codec = new ParticipantCodec(registry,
            reserve -> new ParticipantCommand.PayeeFacts(true, true, true));
    private final PolicyStream.Packer packer = TransferEventsTranslation.packer(registry);

    @Test
    void aPackIsReadAsItsCommandsInOrderEachWithItsIdAndSourcePosition() {
        byte[] pack = packer.pack("dfsp-a", List.of(
                packed(41, "commit:t-1", new ParticipantCommand.CommitPayerFunds("dfsp-a", "t-1")),
                packed(EventPositions.NONE, "release:t-2", new ParticipantCommand.ReleasePayerFunds("dfsp-a", "t-2"))),
                NOW.toEpochMilli());

        List<DecodedCommand<ParticipantCommand>> commands = codec.decodeCommands("dfsp-a", pack, NOW);

        assertThat(commands).extracting(DecodedCommand::commandId).containsExactly("commit:t-1", "release:t-2");
        assertThat(commands).extracting(DecodedCommand::sourcePosition).containsExactly(41L, EventPositions.NONE);
        assertThat(commands.getFirst().command()).isEqualTo(new ParticipantCommand.CommitPayerFunds("dfsp-a", "t-1"));
        assertThatThrownBy(() -> codec.decodeCommand("dfsp-a", pack, NOW)).hasMessageContaining("a pack of 2");
    }

    @Test
    void aPackHoldingAnotherParticipantsCommandIsRefusedWhole() {
        byte[] pack = packer.pack("dfsp-a", List.of(
                packed(1, "commit:t-1", new ParticipantCommand.CommitPayerFunds("dfsp-a", "t-1")),
                packed(2, "commit:t-2", new ParticipantCommand.CommitPayerFunds("dfsp-b", "t-2"))), NOW.toEpochMilli());

        assertThatThrownBy(() -> codec.decodeCommands("dfsp-a", pack, NOW)).hasMessageContaining("dfsp-b");
    }

    @Test
    void anEmptyPackAndAPackInAPackAreRefused() {
        assertThatThrownBy(() -> codec.decodeCommands("dfsp-a", packer.pack("dfsp-a", List.of(), 0), NOW))
                .hasMessageContaining("empty");
        byte[] inner = packer.pack("dfsp-a", List.of(
                packed(1, "commit:t-1", new ParticipantCommand.CommitPayerFunds("dfsp-a", "t-1")),
                packed(2, "commit:t-2", new ParticipantCommand.CommitPayerFunds("dfsp-a", "t-2"))), 0);
        byte[] outer = packer.pack("dfsp-a", List.of(new PackedCommand(3L, ByteBuffer.wrap(inner)),
                packed(4, "commit:t-4", new ParticipantCommand.CommitPayerFunds("dfsp-a", "t-4"))), 0);
        assertThatThrownBy(() -> codec.decodeCommands("dfsp-a", outer, NOW)).hasMessageContaining("inside a command pack");
    }

    private PackedCommand packed(long source, String commandId, ParticipantCommand command) {
        return new PackedCommand(source, ByteBuffer.wrap(codec.encodeCommand(commandId, commandId, NOW, command)));
    }
}
