package dev.mizani.gateway.security;

import dev.mizani.gateway.fspiop.FspiopRejection;
import dev.mizani.gateway.participants.ParticipantsView;
import dev.mizani.platform.domain.FspiopError;
import dev.mizani.platform.security.CredentialKey;
import dev.mizani.platform.security.Credentials;
import java.util.Optional;

/**
 * Who may call the FSPIOP API, and how often: the bearer credential must be the one issued to the
 * participant named in FSPIOP-Source (so a DFSP cannot act as another), and the participant must be within
 * its rate. Rates are the participant's own when an operator set them, else the hub's defaults.
 */
public final class ParticipantGuard {
    /** Refused with an FSPIOP error; {@code retryAfterSeconds} is set for 429. */
    public record Refusal(FspiopRejection rejection, long retryAfterSeconds) {}

    private final ParticipantsView view;
    private final CredentialKey credentialKey;
    private final RateLimits limits;
    private final int defaultRequestsPerSecond;
    private final int defaultBurst;

    public ParticipantGuard(ParticipantsView view, CredentialKey credentialKey, RateLimits limits,
                            int defaultRequestsPerSecond, int defaultBurst) {
        this.view = view;
        this.credentialKey = credentialKey;
        this.limits = limits;
        this.defaultRequestsPerSecond = defaultRequestsPerSecond;
        this.defaultBurst = defaultBurst;
    }

    public Optional<Refusal> admit(String source, String authorization) {
        return admit(source, authorization, Optional.empty());
    }

    /**
     * As {@link #admit(String, String)}, for a caller that may also have been identified by a verified client
     * certificate (mutual TLS). The certificate's participant must be FSPIOP-Source; with a certificate the
     * bearer credential is optional, and if sent it must be FSPIOP-Source's too.
     */
    public Optional<Refusal> admit(String source, String authorization, Optional<String> certified) {
        if (certified.isPresent()) {
            if (!certified.get().equals(source)) {
                return refuse(403, "the client certificate is " + certified.get() + "'s, not FSPIOP-Source " + source + "'s");
            }
            if (authorization == null) {
                return withinRate(source);
            }
        }
        var credential = Credentials.bearer(authorization);
        if (credential.isEmpty()) {
            return refuse(401, "an Authorization: Bearer credential issued to " + source + " is required");
        }
        var holder = holderOf(credential.get());
        if (holder.isEmpty()) {
            return refuse(401, "the credential is not recognised");
        }
        if (!holder.get().equals(source)) {
            return refuse(403, "the credential is " + holder.get() + "'s, not FSPIOP-Source " + source + "'s");
        }
        return withinRate(source);
    }

    /** The keyed hash first; a credential set before the hub had a key is stored as its plain SHA-256. */
    private Optional<String> holderOf(String credential) {
        for (String stored : credentialKey.storedForms(credential)) {
            Optional<String> holder = view.holderOf(stored);
            if (holder.isPresent()) {
                return holder;
            }
        }
        return Optional.empty();
    }

    private Optional<Refusal> withinRate(String source) {
        var participant = view.participant(source);
        int rate = participant.map(ParticipantsView.Participant::requestsPerSecond).filter(r -> r > 0)
                .orElse(defaultRequestsPerSecond);
        int burst = participant.map(ParticipantsView.Participant::burst).filter(b -> b > 0).orElse(defaultBurst);
        var decision = limits.take(source, rate, burst);
        if (!decision.allowed()) {
            return Optional.of(new Refusal(new FspiopRejection(429, FspiopError.GENERIC_CLIENT_ERROR, source
                    + " is over its rate of " + rate + " requests/s (burst " + burst + ")"), decision.retryAfterSeconds()));
        }
        return Optional.empty();
    }

    private static Optional<Refusal> refuse(int status, String why) {
        return Optional.of(new Refusal(new FspiopRejection(status, FspiopError.GENERIC_CLIENT_ERROR, why), 0));
    }
}
