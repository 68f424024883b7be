package dev.mizani.hub;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package rules, checked on the compiled classes of every module (ArchUnit, in the spirit of
 * Kafka's import-control.xml): pure domain packages, command handlers that meet only through events, a platform
 * that knows no context, and the composition root known to nobody. Each rule is also shown failing on a class that
 * breaks it ({@code architecture.bad}).
 */
class ArchitectureTest {
    private static JavaClasses production;
    private static JavaClasses broken;

    /** What a domain package must not touch: transport, storage, serialisation, and the hub's adapters. */
    private static final String[] ADAPTERS = {
            "org.apache.kafka..", "java.sql..", "javax.sql..", "org.apache.avro..", "java.net..", "com.fasterxml.jackson..",
            "com.zaxxer..", "org.flywaydb..", "io.helidon..", "io.vertx..", "org.postgresql..",
            "dev.mizani.schemas..", "dev.mizani.platform.commandloop..", "dev.mizani.platform.eventstore..",
            "dev.mizani.platform.kafka..", "dev.mizani.embedded.."};

    /** Domains read no clock and no randomness: hub time and ids arrive inside commands. */
    static final ArchRule DOMAINS_ARE_PURE = noClasses().that().resideInAPackage("..domain..")
            .should().dependOnClassesThat().resideInAnyPackage(ADAPTERS)
            .orShould().callMethod(Instant.class, "now")
            .orShould().callMethod(LocalDateTime.class, "now")
            .orShould().callMethod(System.class, "currentTimeMillis")
            .orShould().callMethod(System.class, "nanoTime")
            .orShould().callMethod(UUID.class, "randomUUID")
            .orShould().callMethod(Clock.class, "systemUTC")
            .orShould().callMethod(Clock.class, "systemDefaultZone")
            .orShould().callConstructor(Random.class)
            .orShould().dependOnClassesThat().areAssignableTo(ThreadLocalRandom.class)
            .because("a decider is a pure function of its state and command (given/when/then tests, the simulation)");

    /** The transfer and participant contexts choreograph through events on Kafka, never calling each other. */
    static final ArchRule TRANSFERS_DO_NOT_CALL_PARTICIPANTS = noClasses()
            .that().resideInAnyPackage("dev.mizani.transfers..", "dev.mizani.hub.architecture.bad..")
            .should().dependOnClassesThat().resideInAPackage("dev.mizani.participants..")
            .because("the transfers handler learns what the participants handler decided from participants.events only");
    static final ArchRule PARTICIPANTS_DO_NOT_CALL_TRANSFERS = noClasses().that().resideInAPackage("dev.mizani.participants..")
            .should().dependOnClassesThat().resideInAPackage("dev.mizani.transfers..")
            .because("the participants handler learns what the transfers handler decided from transfers.events only");

    /** The shared platform knows no bounded context and no service. */
    static final ArchRule PLATFORM_KNOWS_NO_CONTEXT = noClasses().that().resideInAPackage("dev.mizani.platform..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.mizani.transfers..", "dev.mizani.participants..",
                    "dev.mizani.projections..", "dev.mizani.gateway..", "dev.mizani.query..", "dev.mizani.hub..");

    /** Only the composition root knows every service; no service knows it. */
    static final ArchRule NOTHING_DEPENDS_ON_THE_HUB = noClasses().that(not(resideInAnyPackage("dev.mizani.hub..")))
            .should().dependOnClassesThat().resideInAPackage("dev.mizani.hub..");

    /** The gateway reaches the read side through a port of the contract module, never the projections module. */
    static final ArchRule GATEWAY_DOES_NOT_RUN_THE_PROJECTION = noClasses().that().resideInAPackage("dev.mizani.gateway..")
            .should().dependOnClassesThat().resideInAPackage("dev.mizani.projections..")
            .because("the gateway and the projection scale and deploy apart (MIZANI_SERVICES)");

    static final List<ArchRule> RULES = List.of(DOMAINS_ARE_PURE, TRANSFERS_DO_NOT_CALL_PARTICIPANTS,
            PARTICIPANTS_DO_NOT_CALL_TRANSFERS, PLATFORM_KNOWS_NO_CONTEXT, NOTHING_DEPENDS_ON_THE_HUB,
            GATEWAY_DOES_NOT_RUN_THE_PROJECTION);

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.mizani");
        broken = new ClassFileImporter().importPackages("dev.mizani.hub.architecture.bad");
    }

    @Test
    void everyModuleKeepsTheRules() {
        assertThat(production.stream().map(c -> c.getPackageName()).distinct())
                .as("classes of every module imported")
                .anyMatch(p -> p.startsWith("dev.mizani.transfers.domain"))
                .anyMatch(p -> p.startsWith("dev.mizani.participants.domain"))
                .anyMatch(p -> p.startsWith("dev.mizani.gateway"))
                .anyMatch(p -> p.startsWith("dev.mizani.platform"));
        RULES.forEach(rule -> rule.check(production));
    }

    @Test
    void eachRuleFailsOnAClassThatBreaksIt() {
        for (ArchRule rule : List.of(DOMAINS_ARE_PURE, TRANSFERS_DO_NOT_CALL_PARTICIPANTS)) {
            assertThatThrownBy(() -> rule.check(broken)).as(rule.getDescription()).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("ImpureDecider");
        }
        assertThatThrownBy(() -> DOMAINS_ARE_PURE.check(broken)).hasMessageContaining("Instant.now()")
                .hasMessageContaining("org.apache.kafka");
    }
}
