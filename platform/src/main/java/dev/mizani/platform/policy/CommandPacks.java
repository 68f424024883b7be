package dev.mizani.platform.policy;

import dev.mizani.schemas.common.PackedCommand;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A packing policy's commands not sent yet, as its store holds them: a count, then each command's source position,
 * length and envelope bytes. A format of its own, not the pack's Avro: a store restored after an upgrade reads the
 * same way whatever the schemas became.
 */
public final class CommandPacks {
    private CommandPacks() {}

    static byte[] write(List<PackedCommand> commands) {
        int size = Integer.BYTES;
        for (PackedCommand c : commands) {
            size += Long.BYTES + Integer.BYTES + c.getEnvelope().remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(commands.size());
        for (PackedCommand c : commands) {
            out.putLong(c.getSourcePosition()).putInt(c.getEnvelope().remaining()).put(c.getEnvelope().duplicate());
        }
        return out.array();
    }

    static List<PackedCommand> read(byte[] stored) {
        ByteBuffer in = ByteBuffer.wrap(stored);
        int count = in.getInt();
        List<PackedCommand> commands = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long source = in.getLong();
            byte[] envelope = new byte[in.getInt()];
            in.get(envelope);
            commands.add(new PackedCommand(source, ByteBuffer.wrap(envelope)));
        }
        if (in.hasRemaining()) {
            throw new IllegalStateException("a stored pack has " + in.remaining() + " bytes after its " + count + " commands");
        }
        return commands;
    }

    /** The bytes a packed command's envelope holds, as a record's value. */
    public static byte[] bytes(ByteBuffer envelope) {
        byte[] out = new byte[envelope.remaining()];
        envelope.duplicate().get(out);
        return out;
    }
}
