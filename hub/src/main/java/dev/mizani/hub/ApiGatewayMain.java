package dev.mizani.hub;

/**
 * The gateway service's own runnable: the FSPIOP transfers API, the admin API and the callback notifier, and nothing
 * else. Configured by the same environment variables as {@link Main} (an external Kafka, PostgreSQL and registry in
 * production); {@code MIZANI_SERVICES} may be left unset.
 */
public final class ApiGatewayMain {
    private ApiGatewayMain() {}

    public static void main(String[] args) throws InterruptedException {
        Main.run(Service.GATEWAY);
    }
}
