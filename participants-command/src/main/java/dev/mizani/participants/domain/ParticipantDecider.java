package dev.mizani.participants.domain;

import static dev.mizani.platform.domain.FspiopError.GENERIC_VALIDATION_ERROR;
import static dev.mizani.platform.domain.FspiopError.PAYEE_FSP_ID_NOT_FOUND;
import static dev.mizani.platform.domain.FspiopError.PAYER_FSP_ID_NOT_FOUND;
import static dev.mizani.platform.domain.FspiopError.PAYER_FSP_INSUFFICIENT_LIQUIDITY;
import static dev.mizani.platform.domain.FspiopError.PAYER_LIMIT_ERROR;

import dev.mizani.participants.domain.Participant.Account;
import dev.mizani.participants.domain.Participant.Absent;
import dev.mizani.participants.domain.Participant.Registered;
import dev.mizani.participants.domain.ParticipantCommand.*;
import dev.mizani.participants.domain.ParticipantEvent.*;
import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.domain.FspiopError;
import dev.mizani.platform.domain.money.Currencies;
import java.util.List;

/**
 * The participant's rules. Reservation, in order: payer known (3202), payee known (3203), both active
 * and holding the currency (3100 naming which), then liquidity cover (4001) and net debit cap (4200),
 * each against position + reserved, so pending reservations count. A reserve for a transfer already
 * reserved repeats the outcome and reserves nothing more.
 */
public final class ParticipantDecider implements Decider<ParticipantCommand, ParticipantEvent, Participant> {

    @Override
    public Participant initialState() {
        return new Absent();
    }

    @Override
    public List<ParticipantEvent> decide(ParticipantCommand command, Participant state) {
        return switch (command) {
            case CreateParticipant c -> state instanceof Absent
                    ? List.of(new ParticipantCreated(c.participant()))
                    : refuse(c, GENERIC_VALIDATION_ERROR, "participant " + c.participant() + " already exists");
            case AddCurrency c -> administer(c, state);
            case SetNetDebitCap c -> administer(c, state);
            case SetInitialPosition c -> administer(c, state);
            case RecordFundsIn c -> administer(c, state);
            case RecordFundsOut c -> administer(c, state);
            case ReserveFundsOut c -> administer(c, state);
            case CommitFundsOut c -> administer(c, state);
            case AbortFundsOut c -> administer(c, state);
            case SetActive c -> administer(c, state);
            case SetCredential c -> administer(c, state);
            case SetRateLimit c -> administer(c, state);
            case SetJwsPublicKey c -> administer(c, state);
            case SetCallbackEndpoint c -> administer(c, state);
            case ReservePayerFunds c -> reserve(c, state);
            case CommitPayerFunds c -> commitPayer(c, state);
            case CommitPayeeFunds c -> commitPayee(c, state);
            case ReleasePayerFunds c -> release(c, state);
        };
    }

    private static List<ParticipantEvent> administer(ParticipantCommand c, Participant state) {
        return state instanceof Registered p ? ParticipantAdministration.decide(c, p)
                : refuse(c, GENERIC_VALIDATION_ERROR, "participant " + c.participant() + " does not exist");
    }

    private static List<ParticipantEvent> reserve(ReservePayerFunds c, Participant state) {
        String why = null;
        FspiopError error = null;
        Account account = null;
        if (!(state instanceof Registered payer)) {
            error = PAYER_FSP_ID_NOT_FOUND;
            why = "payer FSP " + c.participant() + " is not registered";
        } else if (!c.payee().known()) {
            error = PAYEE_FSP_ID_NOT_FOUND;
            why = "payee FSP " + c.payeeFsp() + " is not registered";
        } else if (!payer.active()) {
            error = GENERIC_VALIDATION_ERROR;
            why = "payer FSP " + c.participant() + " is inactive";
        } else if (!c.payee().active()) {
            error = GENERIC_VALIDATION_ERROR;
            why = "payee FSP " + c.payeeFsp() + " is inactive";
        } else if ((account = payer.accounts().get(c.currency())) == null) {
            error = GENERIC_VALIDATION_ERROR;
            why = "payer FSP " + c.participant() + " has no " + c.currency() + " account";
        } else if (!c.payee().currencyEnabled()) {
            error = GENERIC_VALIDATION_ERROR;
            why = "payee FSP " + c.payeeFsp() + " has no " + c.currency() + " account";
        } else if (account.pending().containsKey(c.transferId())) {
            return List.of(reserved(c, account));
        } else if (Currencies.scale(c.currency()).isEmpty() || c.amountMinor() <= 0) {
            throw new IllegalArgumentException("reserve of " + c.amountMinor() + " " + c.currency()
                    + " reached the payer; the transfer's prepare validation should have refused it");
        } else if (account.usableCoverMinor() - account.exposureMinor() < c.amountMinor()) {
            error = PAYER_FSP_INSUFFICIENT_LIQUIDITY;
            why = "liquidity cover " + account.usableCoverMinor() + " less position and reservations "
                    + account.exposureMinor() + " is below " + c.amountMinor();
        } else if (account.netDebitCapMinor() - account.exposureMinor() < c.amountMinor()) {
            error = PAYER_LIMIT_ERROR;
            why = "net debit cap " + account.netDebitCapMinor() + " less position and reservations "
                    + account.exposureMinor() + " is below " + c.amountMinor();
        }
        if (error != null) {
            return List.of(new PayerFundsReservationRejected(c.participant(), c.payeeFsp(), c.transferId(),
                    c.amountMinor(), c.currency(), error.code(), error.describe(why)));
        }
        Account after = ParticipantEvolution.withReservation(account, c.transferId(), c.payeeFsp(), c.amountMinor());
        return List.of(reserved(c, after));
    }

    private static PayerFundsReserved reserved(ReservePayerFunds c, Account after) {
        return new PayerFundsReserved(c.participant(), c.payeeFsp(), c.transferId(), c.amountMinor(), c.currency(),
                after.positionMinor(), after.reservedMinor());
    }

    /** Without a pending reservation there is nothing to commit: a repeat of a commit already applied. */
    private static List<ParticipantEvent> commitPayer(CommitPayerFunds c, Participant state) {
        if (!(state instanceof Registered payer)) {
            return List.of();
        }
        for (var entry : payer.accounts().entrySet()) {
            var reservation = entry.getValue().pending().get(c.transferId());
            if (reservation != null) {
                Account a = entry.getValue();
                return List.of(new PayerFundsCommitted(c.participant(), c.transferId(), reservation.amountMinor(),
                        entry.getKey(), Math.addExact(a.positionMinor(), reservation.amountMinor()),
                        a.reservedMinor() - reservation.amountMinor()));
            }
        }
        return List.of();
    }

    private static List<ParticipantEvent> commitPayee(CommitPayeeFunds c, Participant state) {
        if (!(state instanceof Registered payee) || !payee.accounts().containsKey(c.currency())) {
            throw new IllegalStateException("credit of committed transfer " + c.transferId() + " to " + c.participant()
                    + ", which has no " + c.currency() + " account: the reservation checks should have refused it");
        }
        Account a = payee.accounts().get(c.currency());
        return List.of(new PayeeFundsCommitted(c.participant(), c.transferId(), c.amountMinor(), c.currency(),
                Math.subtractExact(a.positionMinor(), c.amountMinor())));
    }

    private static List<ParticipantEvent> release(ReleasePayerFunds c, Participant state) {
        if (!(state instanceof Registered payer)) {
            return List.of();
        }
        for (var entry : payer.accounts().entrySet()) {
            var reservation = entry.getValue().pending().get(c.transferId());
            if (reservation != null) {
                return List.of(new PayerFundsReleased(c.participant(), c.transferId(), reservation.amountMinor(),
                        entry.getKey(), entry.getValue().reservedMinor() - reservation.amountMinor()));
            }
        }
        return List.of();
    }

    static List<ParticipantEvent> refuse(ParticipantCommand c, FspiopError error, String why) {
        return List.of(new ParticipantCommandRefused(c.participant(), c.getClass().getSimpleName(), error.code(),
                error.describe(why)));
    }

    @Override
    public Participant evolve(Participant state, ParticipantEvent event) {
        return ParticipantEvolution.evolve(state, event);
    }
}
