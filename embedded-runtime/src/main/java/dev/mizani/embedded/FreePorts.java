package dev.mizani.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.function.IntSupplier;

/** A free loopback port, for servers that must be told their port before they bind. */
public final class FreePorts {
    private FreePorts() {}

    /**
     * A port free now and none of {@code taken}. The kernel may hand out a port it just handed out,
     * because the first one was closed again before anything bound it; a process told to listen twice
     * on one port can accept that silently (Vert.x shares the listener and round-robins connections
     * between its routers), so a caller that needs several ports passes the ones it already holds.
     */
    public static int next(int... taken) {
        return next(FreePorts::probe, taken);
    }

    /** {@code count} ports free now and different from each other, for a process told all of them at once. */
    public static int[] distinct(int count) {
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            ports[i] = next(Arrays.copyOf(ports, i));
        }
        return ports;
    }

    static int next(IntSupplier probe, int... taken) {
        while (true) {
            int port = probe.getAsInt();
            if (Arrays.stream(taken).noneMatch(t -> t == port)) {
                return port;
            }
        }
    }

    private static int probe() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
