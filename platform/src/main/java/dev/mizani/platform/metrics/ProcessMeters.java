package dev.mizani.platform.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/** The JVM's and the process's figures (memory, collections, threads, classes, CPU, open files, uptime), once per JVM. */
final class ProcessMeters {
    private static boolean bound;

    private ProcessMeters() {}

    static synchronized void bindOnce() {
        if (bound) {
            return;
        }
        bound = true;
        MeterRegistry shared = Metrics.shared();
        new JvmMemoryMetrics().bindTo(shared);
        new JvmGcMetrics().bindTo(shared); // listens to collections for the JVM's life, as this binding lasts
        new JvmThreadMetrics().bindTo(shared);
        new ClassLoaderMetrics().bindTo(shared);
        new ProcessorMetrics().bindTo(shared);
        new FileDescriptorMetrics().bindTo(shared);
        new UptimeMetrics().bindTo(shared);
    }
}
