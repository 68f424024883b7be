package dev.mizani.participants.domain;

import java.util.List;

/** What happened to a participant. Business refusals are events too; only bugs throw. */
public sealed interface ParticipantEvent {
    String participant();

    record ParticipantCreated(String participant) implements ParticipantEvent {}

    record CurrencyAdded(String participant, String currency) implements ParticipantEvent {}

    record NetDebitCapSet(String participant, String currency, long netDebitCapMinor) implements ParticipantEvent {}

    record InitialPositionSet(String participant, String currency, long positionMinor) implements ParticipantEvent {}

    record FundsRecordedIn(String participant, String currency, long amountMinor, String fundsTransferId,
                           long liquidityCoverMinor) implements ParticipantEvent {}

    record FundsRecordedOut(String participant, String currency, long amountMinor, String fundsTransferId,
                            long liquidityCoverMinor) implements ParticipantEvent {}

    record FundsOutReserved(String participant, String currency, long amountMinor, String fundsTransferId)
            implements ParticipantEvent {}

    record FundsOutAborted(String participant, String currency, long amountMinor, String fundsTransferId)
            implements ParticipantEvent {}

    record CredentialSet(String participant, String credentialSha256) implements ParticipantEvent {}

    record RateLimitSet(String participant, int requestsPerSecond, int burst) implements ParticipantEvent {}

    /** The gateway's key for this participant's signatures; the participant's own state does not depend on it. */
    record JwsPublicKeySet(String participant, String publicKeyPem) implements ParticipantEvent {}

    record ParticipantActiveSet(String participant, boolean active) implements ParticipantEvent {}

    record CallbackEndpointSet(String participant, String type, String url) implements ParticipantEvent {}

    /** An operator command the participant's state does not allow, with the FSPIOP code and why. */
    record ParticipantCommandRefused(String participant, String command, int errorCode, String errorDescription)
            implements ParticipantEvent {}

    record PayerFundsReserved(String participant, String payeeFsp, String transferId, long amountMinor,
                              String currency, long positionMinor, long reservedMinor) implements ParticipantEvent {}

    record PayerFundsReservationRejected(String participant, String payeeFsp, String transferId, long amountMinor,
                                         String currency, int errorCode, String errorDescription)
            implements ParticipantEvent {}

    record PayerFundsCommitted(String participant, String transferId, long amountMinor, String currency,
                               long positionMinor, long reservedMinor) implements ParticipantEvent {}

    record PayeeFundsCommitted(String participant, String transferId, long amountMinor, String currency,
                               long positionMinor) implements ParticipantEvent {}

    record PayerFundsReleased(String participant, String transferId, long amountMinor, String currency,
                              long reservedMinor) implements ParticipantEvent {}

    /**
     * Several transfer facts of this participant in one event, in the order decided: reservations, their refusals,
     * commits and releases. Applying it applies each in turn.
     */
    record TransferFacts(String participant, List<ParticipantEvent> facts) implements ParticipantEvent {
        public TransferFacts {
            facts = List.copyOf(facts);
            if (facts.isEmpty()) {
                throw new IllegalArgumentException("transfer facts of " + participant + " with no fact");
            }
            for (ParticipantEvent fact : facts) {
                if (!isTransferFact(fact) || !fact.participant().equals(participant)) {
                    throw new IllegalArgumentException("not a transfer fact of " + participant + ": " + fact);
                }
            }
        }
    }

    /** The facts an event states, in order: a {@link TransferFacts}'s list, or the event itself. */
    static List<ParticipantEvent> factsOf(ParticipantEvent event) {
        return event instanceof TransferFacts packed ? packed.facts() : List.of(event);
    }

    /** The facts {@link TransferFacts} may hold: a transfer's reservation, its refusal, commits and release. */
    static boolean isTransferFact(ParticipantEvent event) {
        return event instanceof PayerFundsReserved || event instanceof PayerFundsReservationRejected
                || event instanceof PayerFundsCommitted || event instanceof PayeeFundsCommitted
                || event instanceof PayerFundsReleased;
    }
}
