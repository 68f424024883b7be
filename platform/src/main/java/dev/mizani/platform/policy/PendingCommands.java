package dev.mizani.platform.policy;

import dev.mizani.schemas.common.PackedCommand;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The commands a packing policy derived and has not sent yet, by key, in order. What {@link #add} returns is what
 * the policy's store must hold for the key until {@link #send} (it is what {@link #restore} takes back after a
 * crash); sending puts each key's commands on one record, a lone one on a record of its own.
 */
public final class PendingCommands {
    /** Where sent records go: a command record names its source position (or NONE), a pack names none. */
    @FunctionalInterface
    public interface Sink {
        void send(String key, byte[] value, long timestamp, long sourcePosition);
    }

    private final PolicyStream.Packer packer;
    private final Map<String, Pending> pending = new LinkedHashMap<>();

    public PendingCommands(PolicyStream.Packer packer) {
        this.packer = packer;
    }

    private static final class Pending {
        final List<PackedCommand> commands = new ArrayList<>(4);
        long timestamp; // of the latest event they came from
    }

    /** Holds a command; returns the key's commands in the store's form. */
    public byte[] add(String key, long sourcePosition, byte[] command, long timestamp) {
        Pending p = pending.computeIfAbsent(key, k -> new Pending());
        p.commands.add(new PackedCommand(sourcePosition, ByteBuffer.wrap(command)));
        p.timestamp = Math.max(p.timestamp, timestamp);
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
            Pending p = e.getValue();
            if (p.commands.size() == 1) {
                PackedCommand only = p.commands.getFirst();
                sink.send(e.getKey(), CommandPacks.bytes(only.getEnvelope()), p.timestamp, only.getSourcePosition());
            } else {
                sink.send(e.getKey(), packer.pack(e.getKey(), p.commands, p.timestamp), p.timestamp,
                        dev.mizani.platform.eventstore.EventPositions.NONE);
            }
            sent.add(e.getKey());
        }
        pending.clear();
        return sent;
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }
}
