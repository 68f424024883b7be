package dev.mizani.participants.domain;

import static dev.mizani.participants.domain.ParticipantDecider.refuse;
import static dev.mizani.platform.domain.FspiopError.GENERIC_VALIDATION_ERROR;
import static dev.mizani.platform.domain.FspiopError.PAYER_FSP_INSUFFICIENT_LIQUIDITY;

import dev.mizani.participants.domain.Participant.Account;
import dev.mizani.participants.domain.Participant.Registered;
import dev.mizani.platform.security.JwsKeys;
import dev.mizani.participants.domain.ParticipantCommand.*;
import dev.mizani.participants.domain.ParticipantEvent.*;
import dev.mizani.platform.domain.money.Currencies;
import java.util.List;

/** The operator's commands on a registered participant: currencies, limits, funds in and out, activation. */
final class ParticipantAdministration {
    private ParticipantAdministration() {}

    static List<ParticipantEvent> decide(ParticipantCommand command, Registered p) {
        return switch (command) {
            case AddCurrency c -> {
                if (Currencies.scale(c.currency()).isEmpty()) {
                    yield refuse(c, GENERIC_VALIDATION_ERROR, "currency " + c.currency() + " is not ISO 4217");
                }
                yield p.accounts().containsKey(c.currency()) ? List.of()
                        : List.of(new CurrencyAdded(c.participant(), c.currency()));
            }
            case SetNetDebitCap c -> withAccount(c, p, c.currency(), a -> c.netDebitCapMinor() < 0
                    ? refuse(c, GENERIC_VALIDATION_ERROR, "net debit cap must not be negative")
                    : List.of(new NetDebitCapSet(c.participant(), c.currency(), c.netDebitCapMinor())));
            case SetInitialPosition c -> withAccount(c, p, c.currency(), a -> a.initialPositionSet()
                    || a.positionMinor() != 0 || a.reservedMinor() != 0
                    ? refuse(c, GENERIC_VALIDATION_ERROR, "initial position of " + c.currency()
                            + " can only be set once, before any transfer")
                    : List.of(new InitialPositionSet(c.participant(), c.currency(), c.positionMinor())));
            case RecordFundsIn c -> withAccount(c, p, c.currency(), a -> {
                if (c.amountMinor() <= 0) {
                    return refuse(c, GENERIC_VALIDATION_ERROR, "funds in must be positive");
                }
                if (p.fundsTransferIds().contains(c.fundsTransferId())) {
                    return List.of();
                }
                return List.of(new FundsRecordedIn(c.participant(), c.currency(), c.amountMinor(), c.fundsTransferId(),
                        Math.addExact(a.liquidityCoverMinor(), c.amountMinor())));
            });
            case RecordFundsOut c -> withAccount(c, p, c.currency(), a -> fundsOut(c, c.amountMinor(), c.fundsTransferId(), p, a)
                    .orElseGet(() -> List.of(new FundsRecordedOut(c.participant(), c.currency(), c.amountMinor(),
                            c.fundsTransferId(), a.liquidityCoverMinor() - c.amountMinor()))));
            case ReserveFundsOut c -> withAccount(c, p, c.currency(), a -> fundsOut(c, c.amountMinor(), c.fundsTransferId(), p, a)
                    .orElseGet(() -> List.of(new FundsOutReserved(c.participant(), c.currency(), c.amountMinor(),
                            c.fundsTransferId()))));
            case CommitFundsOut c -> pendingFundsOut(c, c.fundsTransferId(), p, (currency, a) -> {
                long amount = a.fundsOutPending().get(c.fundsTransferId());
                return new FundsRecordedOut(c.participant(), currency, amount, c.fundsTransferId(),
                        a.liquidityCoverMinor() - amount);
            });
            case AbortFundsOut c -> pendingFundsOut(c, c.fundsTransferId(), p, (currency, a) -> new FundsOutAborted(
                    c.participant(), currency, a.fundsOutPending().get(c.fundsTransferId()), c.fundsTransferId()));
            case SetActive c -> c.active() == p.active() ? List.of()
                    : List.of(new ParticipantActiveSet(c.participant(), c.active()));
            // the gateway's keyed hash (hmac-sha256:<hex>); a plain SHA-256 from before the hub had a key is still taken
            case SetCredential c -> c.credentialSha256() == null
                    || !c.credentialSha256().matches("(hmac-sha256:)?[0-9a-f]{64}")
                    ? refuse(c, GENERIC_VALIDATION_ERROR, "a credential is stored as hmac-sha256: and 64 lower-case hex digits")
                    : c.credentialSha256().equals(p.access().credentialSha256()) ? List.of()
                    : List.of(new CredentialSet(c.participant(), c.credentialSha256()));
            case SetRateLimit c -> c.requestsPerSecond() < 0 || c.burst() < 0
                    ? refuse(c, GENERIC_VALIDATION_ERROR, "rate limit and burst must not be negative")
                    : c.requestsPerSecond() == p.access().requestsPerSecond() && c.burst() == p.access().burst() ? List.of()
                    : List.of(new RateLimitSet(c.participant(), c.requestsPerSecond(), c.burst()));
            case SetJwsPublicKey c -> JwsKeys.isRsaPublicKey(c.publicKeyPem())
                    ? List.of(new JwsPublicKeySet(c.participant(), c.publicKeyPem().strip()))
                    : refuse(c, GENERIC_VALIDATION_ERROR, "publicKey must be an RSA public key in PEM (BEGIN PUBLIC KEY) of 2048 bits or more");
            case SetCallbackEndpoint c -> endpoint(c, p);
            case CreateParticipant c -> refuse(c, GENERIC_VALIDATION_ERROR, "participant " + c.participant() + " already exists");
            case ReservePayerFunds c -> throw misrouted(c);
            case CommitPayerFunds c -> throw misrouted(c);
            case CommitPayeeFunds c -> throw misrouted(c);
            case ReleasePayerFunds c -> throw misrouted(c);
        };
    }

    /**
     * The checks both kinds of funds out share, empty when the funds out may go ahead: a positive amount, an id
     * not used before (a repeat applies nothing), and liquidity cover left for what is in use (position plus
     * reservations, if owed) after this and every funds out in progress.
     */
    private static java.util.Optional<List<ParticipantEvent>> fundsOut(ParticipantCommand c, long amountMinor,
                                                                       String fundsTransferId, Registered p, Account a) {
        if (amountMinor <= 0) {
            return java.util.Optional.of(refuse(c, GENERIC_VALIDATION_ERROR, "funds out must be positive"));
        }
        if (p.fundsTransferIds().contains(fundsTransferId) || isFundsOutPending(p, fundsTransferId)) {
            return java.util.Optional.of(List.of());
        }
        long inUse = Math.max(0, a.exposureMinor());
        long after = Math.subtractExact(a.usableCoverMinor(), amountMinor);
        if (after < inUse) {
            return java.util.Optional.of(refuse(c, PAYER_FSP_INSUFFICIENT_LIQUIDITY, "funds out of " + amountMinor
                    + " would leave " + after + " usable liquidity cover against " + inUse + " in use"));
        }
        return java.util.Optional.empty();
    }

    private static boolean isFundsOutPending(Registered p, String fundsTransferId) {
        return p.accounts().values().stream().anyMatch(a -> a.fundsOutPending().containsKey(fundsTransferId));
    }

    /** Commit or abort of a prepared funds out; a repeat after either is a no-op, an unknown id is refused. */
    private static List<ParticipantEvent> pendingFundsOut(ParticipantCommand c, String fundsTransferId, Registered p,
                                                          java.util.function.BiFunction<String, Account, ParticipantEvent> then) {
        for (var entry : p.accounts().entrySet()) {
            if (entry.getValue().fundsOutPending().containsKey(fundsTransferId)) {
                return List.of(then.apply(entry.getKey(), entry.getValue()));
            }
        }
        return p.fundsTransferIds().contains(fundsTransferId) ? List.of()
                : refuse(c, GENERIC_VALIDATION_ERROR, "no funds out " + fundsTransferId + " is prepared for " + c.participant());
    }

    /**
     * Any endpoint type in central-ledger's naming (upper case and underscores), so onboarding scripts that
     * register quotes, parties or alarm endpoints work unchanged; the hub itself calls the transfer types.
     * FSPIOP callback URLs must be absolute http(s) URLs, other values printable; setting the same value again
     * changes nothing.
     */
    private static List<ParticipantEvent> endpoint(SetCallbackEndpoint c, Registered p) {
        if (c.type() == null || !c.type().matches("[A-Z][A-Z0-9_]{0,63}")) {
            return refuse(c, GENERIC_VALIDATION_ERROR, "endpoint type must be upper-case letters, digits and underscores, "
                    + "e.g. FSPIOP_CALLBACK_URL_TRANSFER_POST");
        }
        if (c.url() == null || c.url().isBlank() || c.url().length() > 2_048 || c.url().chars().anyMatch(Character::isISOControl)) {
            return refuse(c, GENERIC_VALIDATION_ERROR, "endpoint value must be 1 to 2048 printable characters");
        }
        if (c.type().startsWith("FSPIOP_CALLBACK_URL") && !c.url().matches("https?://[^\\s/?#]+[^\\s]*")) {
            return refuse(c, GENERIC_VALIDATION_ERROR, "endpoint value of " + c.type() + " must be an absolute http(s) URL");
        }
        return c.url().equals(p.endpoints().get(c.type())) ? List.of()
                : List.of(new CallbackEndpointSet(c.participant(), c.type(), c.url()));
    }

    private static List<ParticipantEvent> withAccount(ParticipantCommand c, Registered p, String currency,
                                                      java.util.function.Function<Account, List<ParticipantEvent>> then) {
        Account a = p.accounts().get(currency);
        return a == null ? refuse(c, GENERIC_VALIDATION_ERROR, c.participant() + " has no " + currency + " account")
                : then.apply(a);
    }

    private static IllegalStateException misrouted(ParticipantCommand c) {
        return new IllegalStateException(c.getClass().getSimpleName() + " is a transfer-driven command, not administration");
    }
}
