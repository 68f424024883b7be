package dev.mizani.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialKeyTest {
    @TempDir
    Path dir;

    @Test
    void whatIsStoredDependsOnTheKeySoItCannotBeCheckedWithoutIt() {
        CredentialKey one = new CredentialKey("k".repeat(32));
        CredentialKey other = new CredentialKey("l".repeat(32));
        String credential = Credentials.issue();
        assertThat(one.digest(credential)).startsWith(CredentialKey.PREFIX).isEqualTo(one.digest(credential))
                .isNotEqualTo(other.digest(credential)).doesNotContain(Credentials.sha256Hex(credential));
        assertThat(one.storedForms(credential)).containsExactly(one.digest(credential), Credentials.sha256Hex(credential));
        assertThatThrownBy(() -> new CredentialKey("too short")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aKeyIsGeneratedOnceIntoTheDataDirectoryOwnerOnlyUnlessConfigured() throws Exception {
        Path file = dir.resolve("credential-key");
        String first = CredentialKey.load(Map.of(), file).digest("x");
        assertThat(CredentialKey.load(Map.of(), file).digest("x")).as("the same key after a restart").isEqualTo(first);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(CredentialKey.load(Map.of("MIZANI_CREDENTIAL_KEY", "c".repeat(40)), file).digest("x"))
                .isEqualTo(new CredentialKey("c".repeat(40)).digest("x")).isNotEqualTo(first);
    }
}
