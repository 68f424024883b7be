package dev.mizani.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A small shell process that outlives the hub only to clean up after it: once the hub's process is gone (a
 * kill -9 skips every shutdown hook), it stops the embedded PostgreSQL (fast shutdown) and kills the schema
 * registry's JVM, so neither keeps running until the next start. Each is checked by its command line before
 * the signal, so a reused process id is left alone. Stopped with the hub when the hub stops cleanly.
 */
final class Reaper implements AutoCloseable {
    private static final String SCRIPT = """
            hub=$1; pgdata=$2; registry=$3
            while kill -0 "$hub" 2>/dev/null; do sleep 1; done
            if [ -n "$registry" ] && [ -f "$registry" ]; then
              pid=$(cat "$registry")
              case "$(ps -p "$pid" -o args= 2>/dev/null)" in *quarkus-run.jar*) kill -9 "$pid";; esac
              rm -f "$registry"
            fi
            if [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ]; then
              pid=$(head -n 1 "$pgdata/postmaster.pid")
              case "$(ps -p "$pid" -o args= 2>/dev/null)" in *postgres*) kill -INT "$pid";; esac
            fi
            """;

    private final Process process;

    private Reaper(Process process) {
        this.process = process;
    }

    /** @param postgresData the embedded server's data directory, or null; @param registryPidFile likewise */
    static Reaper watch(Path postgresData, Path registryPidFile) {
        try {
            Process process = new ProcessBuilder(List.of("sh", "-c", SCRIPT, "mizani-reaper",
                    Long.toString(ProcessHandle.current().pid()),
                    postgresData == null ? "" : postgresData.toAbsolutePath().toString(),
                    registryPidFile == null ? "" : registryPidFile.toAbsolutePath().toString()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            process.getOutputStream().close();
            return new Reaper(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the process that stops PostgreSQL and the registry after the hub", e);
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
    }
}
