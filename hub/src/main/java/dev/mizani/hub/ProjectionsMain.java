package dev.mizani.hub;

/**
 * The projections service's own runnable: the projection handler, which keeps the read store and audits the ledger
 * (one instance writes, the others stand by), and nothing else. Configured by the same environment variables as
 * {@link Main} (an external Kafka, PostgreSQL and registry in production); {@code MIZANI_SERVICES} may be left
 * unset.
 */
public final class ProjectionsMain {
    private ProjectionsMain() {}

    public static void main(String[] args) throws InterruptedException {
        Main.run(Service.PROJECTIONS);
    }
}
