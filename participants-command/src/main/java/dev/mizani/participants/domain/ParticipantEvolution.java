package dev.mizani.participants.domain;

import dev.mizani.participants.domain.Participant.Absent;
import dev.mizani.participants.domain.Participant.Account;
import dev.mizani.participants.domain.Participant.Registered;
import dev.mizani.participants.domain.Participant.Reservation;
import dev.mizani.participants.domain.ParticipantEvent.*;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * Applies events. Each money event states the totals it leads to, and evolve checks them against its own
 * arithmetic (the second check of each invariant; the first is in decide): a mismatch means corrupt state
 * or a bug, and throws rather than let money drift.
 *
 * <p>Pending reservations and funds out are persistent maps: an event adds or removes one entry and shares
 * the rest, so applying it costs O(log n) in what is in flight, not a copy of all of it. A copy per event made
 * a payer with a thousand transfers in flight slower the more it fell behind.
 */
final class ParticipantEvolution {
    private ParticipantEvolution() {}

    static Participant evolve(Participant state, ParticipantEvent event) {
        if (event instanceof TransferFacts packed) {
            Participant after = state;
            for (ParticipantEvent fact : packed.facts()) {
                after = evolve(after, fact);
            }
            return after;
        }
        if (event instanceof ParticipantCreated e) {
            if (!(state instanceof Absent)) {
                throw new IllegalStateException("participant " + e.participant() + " created twice");
            }
            return new Registered(e.participant(), true, Map.of(), Set.of(), Map.of(), Participant.Access.NONE);
        }
        if (!(state instanceof Registered p)) {
            if (event instanceof PayerFundsReservationRejected || event instanceof ParticipantCommandRefused) {
                return state;
            }
            throw new IllegalStateException(event + " for a participant that does not exist");
        }
        return switch (event) {
            case ParticipantCreated e -> throw new IllegalStateException("unreachable");
            case TransferFacts e -> throw new IllegalStateException("unreachable");
            case CurrencyAdded e -> opened(p, e.currency());
            case NetDebitCapSet e -> withAccount(p, e.currency(), a -> new Account(a.positionMinor(), a.reservedMinor(),
                    e.netDebitCapMinor(), a.liquidityCoverMinor(), a.initialPositionSet(), a.pending(), a.fundsOutPending()));
            case InitialPositionSet e -> withAccount(p, e.currency(), a -> new Account(e.positionMinor(), a.reservedMinor(),
                    a.netDebitCapMinor(), a.liquidityCoverMinor(), true, a.pending(), a.fundsOutPending()));
            case FundsRecordedIn e -> withFunds(p, e.fundsTransferId(), e.currency(), a ->
                    withLiquidity(a, Math.addExact(a.liquidityCoverMinor(), e.amountMinor()), e.liquidityCoverMinor()));
            case FundsRecordedOut e -> withFunds(p, e.fundsTransferId(), e.currency(), a -> withLiquidity(
                    withoutFundsOut(a, e.fundsTransferId(), e.amountMinor(), e),
                    Math.subtractExact(a.liquidityCoverMinor(), e.amountMinor()), e.liquidityCoverMinor()));
            case FundsOutReserved e -> withAccount(p, e.currency(), a -> new Account(a.positionMinor(),
                    a.reservedMinor(), a.netDebitCapMinor(), a.liquidityCoverMinor(), a.initialPositionSet(), a.pending(),
                    persistent(a.fundsOutPending()).plus(e.fundsTransferId(), e.amountMinor())));
            case FundsOutAborted e -> withFunds(p, e.fundsTransferId(), e.currency(),
                    a -> withoutFundsOut(a, e.fundsTransferId(), e.amountMinor(), e));
            case ParticipantActiveSet e -> p.withActive(e.active());
            case CredentialSet e -> p.withAccess(new Participant.Access(e.credentialSha256(),
                    p.access().requestsPerSecond(), p.access().burst()));
            case JwsPublicKeySet e -> p;
            case RateLimitSet e -> p.withAccess(new Participant.Access(p.access().credentialSha256(),
                    e.requestsPerSecond(), e.burst()));
            case CallbackEndpointSet e -> {
                Map<String, String> endpoints = new HashMap<>(p.endpoints());
                endpoints.put(e.type(), e.url());
                yield p.withEndpoints(Map.copyOf(endpoints));
            }
            case ParticipantCommandRefused e -> p;
            case PayerFundsReservationRejected e -> p;
            case PayerFundsReserved e -> withAccount(p, e.currency(), a -> {
                Account after = a.pending().containsKey(e.transferId()) ? a
                        : withReservation(a, e.transferId(), e.payeeFsp(), e.amountMinor());
                return checked(after, e.positionMinor(), e.reservedMinor(), e);
            });
            case PayerFundsCommitted e -> withAccount(p, e.currency(), a -> {
                Reservation r = reservation(a, e.transferId(), e);
                Map<String, Reservation> pending = without(a.pending(), e.transferId());
                return checked(new Account(Math.addExact(a.positionMinor(), r.amountMinor()),
                        a.reservedMinor() - r.amountMinor(), a.netDebitCapMinor(), a.liquidityCoverMinor(),
                        a.initialPositionSet(), pending, a.fundsOutPending()), e.positionMinor(), e.reservedMinor(), e);
            });
            case PayeeFundsCommitted e -> withAccount(p, e.currency(), a -> checked(new Account(
                    Math.subtractExact(a.positionMinor(), e.amountMinor()), a.reservedMinor(), a.netDebitCapMinor(),
                    a.liquidityCoverMinor(), a.initialPositionSet(), a.pending(), a.fundsOutPending()), e.positionMinor(),
                    a.reservedMinor(), e));
            case PayerFundsReleased e -> withAccount(p, e.currency(), a -> {
                Reservation r = reservation(a, e.transferId(), e);
                return checked(new Account(a.positionMinor(), a.reservedMinor() - r.amountMinor(), a.netDebitCapMinor(),
                        a.liquidityCoverMinor(), a.initialPositionSet(), without(a.pending(), e.transferId()),
                        a.fundsOutPending()),
                        a.positionMinor(), e.reservedMinor(), e);
            });
        };
    }

    static Account withReservation(Account a, String transferId, String payee, long amountMinor) {
        return new Account(a.positionMinor(), Math.addExact(a.reservedMinor(), amountMinor), a.netDebitCapMinor(),
                a.liquidityCoverMinor(), a.initialPositionSet(),
                persistent(a.pending()).plus(transferId, new Reservation(payee, amountMinor)), a.fundsOutPending());
    }

    /** A committed or aborted funds out leaves the pending set; a one-step funds out was never in it. */
    private static Account withoutFundsOut(Account a, String fundsTransferId, long amountMinor, ParticipantEvent e) {
        Long pending = a.fundsOutPending().get(fundsTransferId);
        if (pending == null) {
            if (e instanceof FundsOutAborted) {
                throw new IllegalStateException(e + " without a prepared funds out");
            }
            return a;
        }
        if (pending != amountMinor) {
            throw new IllegalStateException(e + " states " + amountMinor + " but " + pending + " was prepared");
        }
        return new Account(a.positionMinor(), a.reservedMinor(), a.netDebitCapMinor(), a.liquidityCoverMinor(),
                a.initialPositionSet(), a.pending(), persistent(a.fundsOutPending()).minus(fundsTransferId));
    }

    private static Reservation reservation(Account a, String transferId, ParticipantEvent e) {
        Reservation r = a.pending().get(transferId);
        if (r == null) {
            throw new IllegalStateException(e + " without a pending reservation of " + transferId);
        }
        return r;
    }

    private static Map<String, Reservation> without(Map<String, Reservation> pending, String transferId) {
        return persistent(pending).minus(transferId);
    }

    /** The map itself when it is already persistent (every state after its first money event), else one copy. */
    static <K, V> PMap<K, V> persistent(Map<K, V> map) {
        return map instanceof PMap<K, V> p ? p : HashTreePMap.from(map);
    }

    private static Account checked(Account a, long positionMinor, long reservedMinor, ParticipantEvent e) {
        if (a.positionMinor() != positionMinor || a.reservedMinor() != reservedMinor || a.reservedMinor() < 0) {
            throw new IllegalStateException(e + " states position " + positionMinor + " reserved " + reservedMinor
                    + " but the account computes position " + a.positionMinor() + " reserved " + a.reservedMinor());
        }
        return a;
    }

    private static Account withLiquidity(Account a, long computed, long stated) {
        if (computed != stated) {
            throw new IllegalStateException("liquidity cover computes " + computed + " but the event states " + stated);
        }
        return new Account(a.positionMinor(), a.reservedMinor(), a.netDebitCapMinor(), computed, a.initialPositionSet(),
                a.pending(), a.fundsOutPending());
    }

    private static Registered withFunds(Registered p, String fundsTransferId, String currency, UnaryOperator<Account> change) {
        Registered changed = withAccount(p, currency, change);
        Set<String> ids = new HashSet<>(p.fundsTransferIds());
        ids.add(fundsTransferId);
        return changed.withFundsTransferIds(Set.copyOf(ids));
    }

    private static Registered withAccount(Registered p, String currency, UnaryOperator<Account> change) {
        Account before = p.accounts().get(currency);
        if (before == null) {
            throw new IllegalStateException(p.name() + " has no " + currency + " account");
        }
        return replaced(p, currency, change.apply(before));
    }

    private static Registered opened(Registered p, String currency) {
        return p.accounts().containsKey(currency) ? p : replaced(p, currency, Account.opened());
    }

    private static Registered replaced(Registered p, String currency, Account account) {
        Map<String, Account> accounts = new HashMap<>(p.accounts());
        accounts.put(currency, account);
        return p.withAccounts(Map.copyOf(accounts));
    }
}
