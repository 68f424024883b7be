package dev.mizani.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The TCP sockets in LISTEN state owned by a set of processes, read from Linux's /proc. */
final class ListeningSockets {
    private static final String LISTEN = "0A";
    private static final String LOOPBACK_V4 = "0100007F";
    private static final String LOOPBACK_V6 = "00000000000000000000000001000000";
    /** ::ffff:127.0.0.1, how Java's dual-stack sockets bound to 127.0.0.1 appear in tcp6. */
    private static final String LOOPBACK_V4_MAPPED = "0000000000000000FFFF00000100007F";

    record Listener(long pid, String localAddressHex, int port) {
        boolean loopback() {
            return localAddressHex.equals(LOOPBACK_V4) || localAddressHex.equals(LOOPBACK_V6)
                    || localAddressHex.equals(LOOPBACK_V4_MAPPED);
        }
    }

    private ListeningSockets() {}

    static List<Listener> of(Stream<ProcessHandle> processes) throws IOException {
        List<Listener> out = new ArrayList<>();
        for (ProcessHandle p : processes.toList()) {
            Set<String> inodes = socketInodes(p.pid());
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.trim().split("\\s+");
                    if (f[3].equals(LISTEN) && inodes.contains(f[9])) {
                        String[] local = f[1].split(":");
                        out.add(new Listener(p.pid(), local[0], Integer.parseInt(local[1], 16)));
                    }
                }
            }
        }
        return out;
    }

    private static Set<String> socketInodes(long pid) {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // The descriptor closed while we looked.
                }
            });
        } catch (IOException e) {
            // The process ended while we looked.
        }
        return inodes;
    }
}
