package dev.mizani.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the Apicurio Registry distribution Maven downloaded for this module and unpacks it once into
 * a cache directory ({@code MIZANI_CACHE_DIR}, default {@code ~/.cache/mizani}). Unpacking goes to a
 * temporary directory renamed into place, so an interrupted unpack is never mistaken for a complete one.
 */
final class RegistryDistribution {
    private static final Logger log = LoggerFactory.getLogger(RegistryDistribution.class);

    private RegistryDistribution() {}

    static synchronized Path unpacked() {
        Properties build = buildProperties();
        String version = build.getProperty("registry.version");
        Path dist = Path.of(System.getenv().getOrDefault("MIZANI_REGISTRY_DIST", build.getProperty("registry.dist")));
        Path cache = Path.of(System.getenv().getOrDefault("MIZANI_CACHE_DIR",
                Path.of(System.getProperty("user.home"), ".cache", "mizani").toString()));
        Path target = cache.resolve("apicurio-registry-" + version);
        if (Files.exists(target.resolve("quarkus-run.jar"))) {
            return target;
        }
        if (!Files.exists(dist)) {
            throw new IllegalStateException("schema registry distribution not found at " + dist
                    + " (build the project with ./mvnw install, or set MIZANI_REGISTRY_DIST or MIZANI_REGISTRY_URL)");
        }
        log.info("unpacking the schema registry {} into {} (once)", version, target);
        try {
            Files.createDirectories(cache);
            Path temp = Files.createTempDirectory(cache, "unpacking-");
            untar(dist, temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + dist, e);
        }
    }

    private static void untar(Path archive, Path into) throws IOException {
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(file))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = into.resolve(entry.getName()).normalize();
                if (!out.startsWith(into)) {
                    throw new IOException("archive entry escapes the target: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static Properties buildProperties() {
        Properties props = new Properties();
        try (InputStream in = RegistryDistribution.class.getResourceAsStream("/mizani-embedded.properties")) {
            props.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("mizani-embedded.properties missing from the embedded-runtime jar", e);
        }
        return props;
    }
}
