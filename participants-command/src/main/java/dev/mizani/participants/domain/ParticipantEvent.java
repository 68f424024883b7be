package dev.mizani.participants.domain;

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
}
