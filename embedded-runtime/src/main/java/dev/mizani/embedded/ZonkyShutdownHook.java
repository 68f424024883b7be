package dev.mizani.embedded;

import java.lang.reflect.Field;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * zonky registers a JVM shutdown hook that stops PostgreSQL the moment the JVM begins to exit, in
 * parallel with the hub's own hook, which stops the services first and the database last. The
 * services then lose their connections mid-stop. This removes zonky's hook (its closer thread); the
 * hub's {@link Infrastructure#close()} stops the database in order. Needs
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED}, which every launch path of the hub passes; without
 * it the hook stays and a warning says why a stop may be untidy.
 */
final class ZonkyShutdownHook {
    private static final Logger log = LoggerFactory.getLogger(ZonkyShutdownHook.class);

    private ZonkyShutdownHook() {}

    @SuppressWarnings("unchecked")
    static void remove() {
        try {
            Class<?> hooks = Class.forName("java.lang.ApplicationShutdownHooks");
            Field field = hooks.getDeclaredField("hooks");
            field.setAccessible(true);
            synchronized (hooks) {
                Map<Thread, Thread> registered = (Map<Thread, Thread>) field.get(null);
                registered.keySet().removeIf(t -> t.getName().matches("postgres-.*-closer"));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("cannot remove zonky's shutdown hook ({}); run with --add-opens java.base/java.lang=ALL-UNNAMED "
                    + "so PostgreSQL stops after the services, not alongside them", e.toString());
        }
    }
}
