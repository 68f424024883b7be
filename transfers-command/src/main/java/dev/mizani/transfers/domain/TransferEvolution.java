package dev.mizani.transfers.domain;

import dev.mizani.transfers.domain.Transfer.*;
import dev.mizani.transfers.domain.TransferEvent.*;

/**
 * Applies events, enforcing the lifecycle: one terminal event per transfer and nothing after it but
 * notifications and a late release; nothing commits at or after its expiration. A violation is a bug
 * (or corrupt history) and throws.
 */
final class TransferEvolution {
    private TransferEvolution() {}

    static Transfer evolve(Transfer state, TransferEvent event) {
        return switch (event) {
            case TransferPrepareAccepted e -> {
                require(state instanceof Absent, state, e);
                yield new Received(new Terms(e.transferId(), e.payerFsp(), e.payeeFsp(), e.amountMinor(), e.currency(),
                        e.ilpPacket(), e.condition(), e.expiration(), e.requestHash()), e.asReceived());
            }
            case TransferPrepareRejected e -> {
                require(state instanceof Absent, state, e);
                yield new PrepareFailed(e.payerFsp(), e.requestHash(), e.errorCode(), e.errorDescription());
            }
            case TransferReserved e -> {
                require(state instanceof Received, state, e);
                yield new Reserved(((Received) state).terms());
            }
            case TransferCommitted e -> {
                require(state instanceof Reserved, state, e);
                Terms terms = ((Reserved) state).terms();
                if (!e.completedAt().isBefore(terms.expiration())) {
                    throw new IllegalStateException(e + " commits at or after expiration " + terms.expiration());
                }
                yield new Committed(terms, e.requestHash(), e.fulfilment(), e.completedAt());
            }
            case TransferAborted e -> new Aborted(live(state, e), e.errorCode(), e.errorDescription(), e.requestHash(),
                    e.reservationHeld());
            case TransferExpired e -> new Expired(live(state, e), e.reservationHeld());
            case LateReservationReleased e -> lateRelease(state, e);
            case TransferDuplicateReported e -> state;
            case TransferRequestRefused e -> state;
        };
    }

    /** The terms of a transfer that has not ended yet; its reservation-held flag must match its state. */
    private static Terms live(Transfer state, TransferEvent e) {
        boolean held = e instanceof TransferAborted a ? a.reservationHeld() : ((TransferExpired) e).reservationHeld();
        return switch (state) {
            case Received r -> {
                if (held && !(e instanceof TransferExpired)) {
                    throw new IllegalStateException(e + " claims a held reservation for a RECEIVED transfer");
                }
                yield r.terms();
            }
            case Reserved r -> {
                if (!held) {
                    throw new IllegalStateException(e + " forgets the reservation of a RESERVED transfer");
                }
                yield r.terms();
            }
            case Absent a -> throw terminal(state, e);
            case PrepareFailed f -> throw terminal(state, e);
            case Committed t -> throw terminal(state, e);
            case Aborted a -> throw terminal(state, e);
            case Expired x -> throw terminal(state, e);
        };
    }

    /** Only an ended transfer that held no reservation can release a late one, and only once. */
    private static Transfer lateRelease(Transfer state, LateReservationReleased e) {
        if (state instanceof Aborted a && !a.reservationHeld()) {
            return new Aborted(a.terms(), a.errorCode(), a.errorDescription(), a.endingHash(), true);
        }
        if (state instanceof Expired x && !x.reservationHeld()) {
            return new Expired(x.terms(), true);
        }
        throw terminal(state, e);
    }

    private static IllegalStateException terminal(Transfer state, TransferEvent e) {
        return new IllegalStateException(e + " cannot follow state " + Transfer.stateName(state));
    }

    private static void require(boolean ok, Transfer state, TransferEvent e) {
        if (!ok) {
            throw terminal(state, e);
        }
    }
}
