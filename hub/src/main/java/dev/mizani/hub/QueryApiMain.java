package dev.mizani.hub;

/**
 * The query service's own runnable: the query API over the read store, and nothing else. Configured by the same
 * environment variables as {@link Main} (an external Kafka, PostgreSQL and registry in production); {@code
 * MIZANI_SERVICES} may be left unset.
 */
public final class QueryApiMain {
    private QueryApiMain() {}

    public static void main(String[] args) throws InterruptedException {
        Main.run(Service.QUERY);
    }
}
