package dev.mizani.hub;

import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryException;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import dev.mizani.schemas.wire.EventWireCodec;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the hub's schemas and pins each subject's compatibility at start. A registry that is not up yet (started
 * beside the hub by a compose file or an orchestrator, and still booting) is waited for, with a line every 5 s, up to
 * {@code MIZANI_REGISTRY_WAIT_S}; a registry that answers with a refusal (an incompatible schema) fails the start at
 * once. Every call is idempotent, so a retry starts over.
 */
final class SchemaSetup {
    private static final Logger log = LoggerFactory.getLogger(SchemaSetup.class);
    /** Default of {@code MIZANI_REGISTRY_WAIT_S}. */
    static final int WAIT_S_DEFAULT = 120;
    private static final long LOG_EVERY_NS = 5_000_000_000L;
    private static final long PAUSE_MAX_MS = 2_000;

    private SchemaSetup() {}

    static void register(SchemaRegistryClient client, CachedSchemaRegistry registry, String url, Duration wait) {
        long startNs = System.nanoTime();
        long loggedNs = startNs - LOG_EVERY_NS;
        for (int attempt = 0; ; attempt++) {
            try {
                registerAll(client, registry);
                if (attempt > 0) {
                    log.info("the schema registry at {} answered after {} s", url, (System.nanoTime() - startNs) / 1_000_000_000L);
                }
                return;
            } catch (RegistryException e) {
                long now = System.nanoTime();
                if (!e.isUnavailable()) {
                    throw e;
                }
                if (now - startNs >= wait.toNanos()) {
                    throw new IllegalStateException("the schema registry at " + url + " did not answer within "
                            + wait.toSeconds() + " s (MIZANI_REGISTRY_WAIT_S): " + e.getMessage(), e);
                }
                if (now - loggedNs >= LOG_EVERY_NS) {
                    log.info("waiting for the schema registry at {} ({} s of {}): {}", url,
                            (now - startNs) / 1_000_000_000L, wait.toSeconds(), e.getMessage());
                    loggedNs = now;
                }
                pause(Math.min(250L << Math.min(attempt, 3), PAUSE_MAX_MS));
            }
        }
    }

    /**
     * Pinned per subject: an external registry may default to NONE, and its global level is not ours to change. The
     * envelope subjects of event topics hold what the event store wrote before one record per event type.
     */
    private static void registerAll(SchemaRegistryClient client, CachedSchemaRegistry registry) {
        HubTopics.envelopes().forEach((topic, schema) -> {
            registry.register(HubTopics.valueSubject(topic), schema);
            client.setSubjectCompatibility(HubTopics.valueSubject(topic), HubTopics.COMPATIBILITY);
        });
        HubTopics.eventTopics().forEach((topic, envelope) -> EventWireCodec.recordsPerType(envelope).forEach(record -> {
            registry.register(EventWireCodec.subject(topic, record), record);
            client.setSubjectCompatibility(EventWireCodec.subject(topic, record), HubTopics.EVENT_TYPE_COMPATIBILITY);
        }));
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the schema registry", e);
        }
    }
}
