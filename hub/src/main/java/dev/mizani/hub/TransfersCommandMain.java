package dev.mizani.hub;

/**
 * The transfers service's own runnable: the transfers command handler, its expiry scheduler and the policy that
 * turns participant events into its commands, and nothing else. Configured by the same environment variables as
 * {@link Main} (an external Kafka, PostgreSQL and registry in production); {@code MIZANI_SERVICES} may be left
 * unset.
 */
public final class TransfersCommandMain {
    private TransfersCommandMain() {}

    public static void main(String[] args) throws InterruptedException {
        Main.run(Service.TRANSFERS);
    }
}
