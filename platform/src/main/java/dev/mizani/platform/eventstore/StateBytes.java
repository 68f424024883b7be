package dev.mizani.platform.eventstore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The snapshot format of aggregate states: a version byte, then fields in a fixed order. Snapshots are
 * private to their context and rebuildable from events, so a plain binary form beats a schema here;
 * a format change bumps the version and older snapshots are ignored (the stream is replayed instead).
 */
public final class StateBytes {
    private StateBytes() {}

    public static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        private final DataOutputStream out = new DataOutputStream(bytes);

        public Writer(int formatVersion) {
            i8(formatVersion);
        }

        public Writer i8(int v) {
            return io(() -> out.writeByte(v));
        }

        public Writer i32(int v) {
            return io(() -> out.writeInt(v));
        }

        public Writer i64(long v) {
            return io(() -> out.writeLong(v));
        }

        public Writer bool(boolean v) {
            return io(() -> out.writeBoolean(v));
        }

        public Writer str(String v) {
            return io(() -> {
                out.writeBoolean(v != null);
                if (v != null) {
                    out.writeUTF(v);
                }
            });
        }

        public Writer instant(Instant v) {
            return i64(v.toEpochMilli());
        }

        /** A length-prefixed byte string (not null). */
        public Writer bytes(byte[] v) {
            return io(() -> {
                out.writeInt(v.length);
                out.write(v);
            });
        }

        public byte[] bytes() {
            return bytes.toByteArray();
        }

        private Writer io(IoAction action) {
            try {
                action.run();
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static final class Reader {
        private final DataInputStream in;

        /** @throws FormatMismatch when the bytes are of another format version */
        public Reader(byte[] bytes, int formatVersion) {
            this.in = new DataInputStream(new ByteArrayInputStream(bytes));
            int version = i8();
            if (version != formatVersion) {
                throw new FormatMismatch("snapshot format " + version + ", expected " + formatVersion);
            }
        }

        public int i8() {
            return io(in::readByte);
        }

        public int i32() {
            return io(in::readInt);
        }

        public long i64() {
            return io(in::readLong);
        }

        public boolean bool() {
            return io(in::readBoolean);
        }

        public String str() {
            return io(() -> in.readBoolean() ? in.readUTF() : null);
        }

        public Instant instant() {
            return Instant.ofEpochMilli(i64());
        }

        public byte[] bytes() {
            return io(() -> in.readNBytes(in.readInt()));
        }

        private <T> T io(IoRead<T> read) {
            try {
                return read.read();
            } catch (IOException e) {
                throw new UncheckedIOException("truncated snapshot", e);
            }
        }
    }

    /** A snapshot written by another version of the state's format: replay the stream instead. */
    public static final class FormatMismatch extends RuntimeException {
        public FormatMismatch(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    @FunctionalInterface
    private interface IoRead<T> {
        T read() throws IOException;
    }
}
