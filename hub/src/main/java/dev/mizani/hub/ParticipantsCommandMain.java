package dev.mizani.hub;

/**
 * The participants service's own runnable: the participants command handler, its payee directory and the policy that
 * turns transfer events into its commands, and nothing else. Configured by the same environment variables as
 * {@link Main} (an external Kafka, PostgreSQL and registry in production); {@code MIZANI_SERVICES} may be left unset.
 */
public final class ParticipantsCommandMain {
    private ParticipantsCommandMain() {}

    public static void main(String[] args) throws InterruptedException {
        Main.run(Service.PARTICIPANTS);
    }
}
