package dev.mizani.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InfrastructureSettingsTest {

    @Test
    void databaseSettingsArePairsInTheOrderGivenWithValuesKeptWhole() {
        InfrastructureSettings s = InfrastructureSettings.fromEnv(Map.of("MIZANI_DB_SETTINGS",
                " shared_preload_libraries=pg_stat_statements,auto_explain ; work_mem = 8MB;;pg_stat_statements.max=500"));

        assertEquals(List.of("shared_preload_libraries", "work_mem", "pg_stat_statements.max"),
                List.copyOf(s.dbSettings().keySet()));
        assertEquals("pg_stat_statements,auto_explain", s.dbSettings().get("shared_preload_libraries"));
        assertEquals("8MB", s.dbSettings().get("work_mem"));
    }

    @Test
    void noDatabaseSettingsByDefault() {
        assertEquals(Map.of(), InfrastructureSettings.fromEnv(Map.of()).dbSettings());
        assertEquals(Map.of(), InfrastructureSettings.fromEnv(Map.of("MIZANI_DB_SETTINGS", " ")).dbSettings());
    }

    @Test
    void aMalformedPairFailsNamingTheVariable() {
        for (String bad : List.of("work_mem", "=8MB", "work-mem=8MB", "fsync=off;x y=1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InfrastructureSettings.fromEnv(Map.of("MIZANI_DB_SETTINGS", bad)), bad);
            assertTrue(e.getMessage().contains("MIZANI_DB_SETTINGS"), e.getMessage());
        }
    }
}
