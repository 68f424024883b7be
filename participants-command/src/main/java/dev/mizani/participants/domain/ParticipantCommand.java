package dev.mizani.participants.domain;

/**
 * What can be asked of a participant. The aggregate key is {@link #participant()}: for the
 * transfer-driven commands that is the payer (reserve, commit, release) or the payee (credit), so one
 * partition is the single writer of each participant's positions.
 */
public sealed interface ParticipantCommand {
    String participant();

    record CreateParticipant(String participant) implements ParticipantCommand {}

    record AddCurrency(String participant, String currency) implements ParticipantCommand {}

    record SetNetDebitCap(String participant, String currency, long netDebitCapMinor) implements ParticipantCommand {}

    record SetInitialPosition(String participant, String currency, long positionMinor) implements ParticipantCommand {}

    record RecordFundsIn(String participant, String currency, long amountMinor, String fundsTransferId)
            implements ParticipantCommand {}

    record RecordFundsOut(String participant, String currency, long amountMinor, String fundsTransferId)
            implements ParticipantCommand {}

    /** First phase of a two-phase funds out: the amount stops counting as usable liquidity cover. */
    record ReserveFundsOut(String participant, String currency, long amountMinor, String fundsTransferId)
            implements ParticipantCommand {}

    record CommitFundsOut(String participant, String fundsTransferId) implements ParticipantCommand {}

    record AbortFundsOut(String participant, String fundsTransferId) implements ParticipantCommand {}

    record SetActive(String participant, boolean active) implements ParticipantCommand {}

    /** The SHA-256 (hex) of the credential the participant presents at the gateway; the credential itself is never stored. */
    record SetCredential(String participant, String credentialSha256) implements ParticipantCommand {}

    /** The participant's request rate at the gateway; 0 for the hub's default. */
    record SetRateLimit(String participant, int requestsPerSecond, int burst) implements ParticipantCommand {}

    /** The RSA public key (PEM) the gateway verifies this participant's FSPIOP signatures with. */
    record SetJwsPublicKey(String participant, String publicKeyPem) implements ParticipantCommand {}

    /** Where the gateway delivers this participant's callbacks, per FSPIOP endpoint type. */
    record SetCallbackEndpoint(String participant, String type, String url) implements ParticipantCommand {}

    /**
     * Reserve on the payer's position. {@code payee} carries what the handler's participant directory
     * knows of the payee at decision time: the payer's aggregate cannot read another aggregate.
     */
    record ReservePayerFunds(String participant, String payeeFsp, String transferId, long amountMinor, String currency,
                             PayeeFacts payee) implements ParticipantCommand {}

    /** The payee's answer committed the transfer: the payer's reservation becomes position. */
    record CommitPayerFunds(String participant, String transferId) implements ParticipantCommand {}

    /** The payee's position falls by the committed amount. */
    record CommitPayeeFunds(String participant, String transferId, long amountMinor, String currency)
            implements ParticipantCommand {}

    /** The transfer was rejected, aborted or expired: the payer's reservation is released. */
    record ReleasePayerFunds(String participant, String transferId) implements ParticipantCommand {}

    /** The payee as the directory saw it. */
    record PayeeFacts(boolean known, boolean active, boolean currencyEnabled) {}
}
