package dev.mizani.platform.policy;

import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.schemas.common.PackedCommand;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The commands a packing policy derived and has not sent yet, by key, in order. What {@link #add} returns is what
 * the policy's store must hold for the key until {@link #send} (it is what {@link #restore} takes back after a
 * crash); sending puts each key's commands on one record, a lone one on a record of its own. A key that reaches
 * {@link #PACK_MAX} commands is sent at once: the store's form is written whole at each command, so a key's pack is
 * kept short however many commands a poll brings (a backlog's polls bring hundreds per key).
 */
public final class PendingCommands {
    /** Where sent records go: a command record names its source position (or NONE), a pack names none. */
    @FunctionalInterface
    public interface Sink {
        void send(String key, byte[] value, long timestamp, long sourcePosition);
    }

    /** Commands in one pack at most. */
    public static final int PACK_MAX = 16;

    private final PolicyStream.Packer packer;
    private final Map<String, Pending> pending = new LinkedHashMap<>();

    private final int packMax;

    public PendingCommands(PolicyStream.Packer packer) {
        this(packer, PACK_MAX);
    }

    /** @param packMax commands in one pack at most (at least two) */
    public PendingCommands(PolicyStream.Packer packer, int packMax) {
        if (packMax < 2) {
            throw new IllegalArgumentException("a pack holds two commands or more, got " + packMax);
        }
        this.packer = packer;
        this.packMax = packMax;
    }

    private static final class Pending {
        final List<PackedCommand> commands = new ArrayList<>(4);
        long timestamp; // of the latest event they came from
    }

    /**
     * Holds a command; returns the key's commands in the store's form, or null when they filled a pack and went to
     * {@code sink} (the policy then deletes the key's stored form).
     */
    public byte[] add(String key, long sourcePosition, byte[] command, long timestamp, Sink sink) {
        Pending p = pending.computeIfAbsent(key, k -> new Pending());
        p.commands.add(new PackedCommand(sourcePosition, ByteBuffer.wrap(command)));
        p.timestamp = Math.max(p.timestamp, timestamp);
        if (p.commands.size() >= packMax) {
            send(key, p, sink);
            pending.remove(key);
            return null;
        }
        return CommandPacks.write(p.commands);
    }

    /** Takes back what a predecessor's store held for a key (before any {@link #add} of it). */
    public void restore(String key, byte[] stored, long timestamp) {
        Pending p = pending.computeIfAbsent(key, k -> new Pending());
        p.commands.addAll(CommandPacks.read(stored));
        p.timestamp = Math.max(p.timestamp, timestamp);
    }

    /** Sends every key's commands and forgets them; returns the keys, whose stored form the policy now deletes. */
    public List<String> send(Sink sink) {
        List<String> sent = new ArrayList<>(pending.size());
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            send(e.getKey(), e.getValue(), sink);
            sent.add(e.getKey());
        }
        pending.clear();
        return sent;
    }

    private void send(String key, Pending p, Sink sink) {
        if (p.commands.size() == 1) {
            PackedCommand only = p.commands.getFirst();
            sink.send(key, CommandPacks.bytes(only.getEnvelope()), p.timestamp, only.getSourcePosition());
        } else {
            sink.send(key, packer.pack(key, p.commands, p.timestamp), p.timestamp, EventPositions.NONE);
        }
    }

    /** Forgets what it holds (the store still has it). */
    public void clear() {
        pending.clear();
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }
}
