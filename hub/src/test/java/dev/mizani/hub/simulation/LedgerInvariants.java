package dev.mizani.hub.simulation;

import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantDecider;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.transfers.domain.Transfer;
import dev.mizani.transfers.domain.TransferEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger invariants of STYLE.md, checked on a drained simulation: conservation, caps, reservation
 * accounting, terminal exclusivity, expiry, idempotency, and every commit paired on both sides.
 */
final class LedgerInvariants {
    record Tally(int committed, int aborted, int expired, int prepareRejected, int capRejections, int fundsOut,
                 int fundsOutAborted, int packedEvents, int commandPacks) {}

    private final LedgerSimulation sim;
    private final List<String> violations = new ArrayList<>();
    private final Map<String, List<ParticipantEvent>> participantLogs;
    private final int packedEvents;
    private final Map<String, Participant> participantStates;
    private final Map<String, List<TransferEvent>> transferLogs;
    private final Map<String, Transfer> transferStates;

    private LedgerInvariants(LedgerSimulation sim) {
        this.sim = sim;
        // fact by fact: a packed event's facts each checked as an event of their own
        this.packedEvents = (int) sim.participants.logs().values().stream().flatMap(List::stream)
                .filter(e -> e instanceof ParticipantEvent.TransferFacts).count();
        this.participantLogs = new HashMap<>();
        sim.participants.logs().forEach((name, log) -> participantLogs.put(name,
                log.stream().flatMap(e -> ParticipantEvent.factsOf(e).stream()).toList()));
        this.participantStates = sim.participants.states();
        this.transferLogs = sim.transfers.logs();
        this.transferStates = sim.transfers.states();
    }

    static Tally check(LedgerSimulation sim) {
        LedgerInvariants check = new LedgerInvariants(sim);
        check.streamIntegrity();
        check.conservation();
        check.capsAndReservations();
        Tally tally = check.lifecycle();
        check.idempotency();
        check.commitsPaired();
        check.viewsAgree();
        if (!check.violations.isEmpty()) {
            throw new AssertionError("ledger invariants broken with seed " + sim.seed + " (replay: -Dsim.seed="
                    + sim.seed + "), " + check.violations.size() + " violations, first: "
                    + check.violations.subList(0, Math.min(15, check.violations.size())));
        }
        return tally;
    }

    /** Per currency, positions sum to the initial positions (the hub's account holds minus that), and liquidity to funds in less out. */
    private void conservation() {
        Map<String, Long> positions = new HashMap<>();
        Map<String, Long> liquidity = new HashMap<>();
        Map<String, Long> initial = new HashMap<>();
        Map<String, Long> funds = new HashMap<>();
        participantStates.values().forEach(state -> {
            if (state instanceof Participant.Registered p) {
                p.accounts().forEach((currency, a) -> {
                    positions.merge(currency, a.positionMinor(), Long::sum);
                    liquidity.merge(currency, a.liquidityCoverMinor(), Long::sum);
                });
            }
        });
        participantLogs.values().forEach(log -> log.forEach(e -> {
            switch (e) {
                case ParticipantEvent.InitialPositionSet i -> initial.merge(i.currency(), i.positionMinor(), Long::sum);
                case ParticipantEvent.FundsRecordedIn f -> funds.merge(f.currency(), f.amountMinor(), Long::sum);
                case ParticipantEvent.FundsRecordedOut f -> funds.merge(f.currency(), -f.amountMinor(), Long::sum);
                default -> { }
            }
        }));
        positions.forEach((currency, sum) -> {
            long hubPositionAccount = -initial.getOrDefault(currency, 0L);
            if (sum + hubPositionAccount != 0) {
                violations.add("conservation " + currency + ": positions " + sum + " + hub " + hubPositionAccount + " != 0");
            }
            long hubSettlement = -funds.getOrDefault(currency, 0L);
            if (liquidity.get(currency) + hubSettlement != 0) {
                violations.add("settlement " + currency + ": liquidity " + liquidity.get(currency) + " + hub " + hubSettlement);
            }
        });
    }

    /** Replaying each participant: every reservation within cap and cover; commit and release never raise exposure; nothing reserved at the end. */
    private int fundsOut;
    private int fundsOutAborted;

    private void capsAndReservations() {
        ParticipantDecider decider = new ParticipantDecider();
        participantLogs.forEach((name, log) -> {
            Participant state = decider.initialState();
            for (ParticipantEvent e : log) {
                long before = exposure(state, e);
                state = decider.evolve(state, e);
                long after = exposure(state, e);
                if (e instanceof ParticipantEvent.PayerFundsReserved r && state instanceof Participant.Registered p) {
                    Participant.Account a = p.accounts().get(r.currency());
                    if (after > a.netDebitCapMinor() || after > a.usableCoverMinor()) {
                        violations.add("cap: " + name + " reserved " + r.transferId() + " to exposure " + after
                                + " over NDC " + a.netDebitCapMinor() + " / usable cover " + a.usableCoverMinor());
                    }
                }
                if ((e instanceof ParticipantEvent.FundsOutReserved || e instanceof ParticipantEvent.FundsRecordedOut)
                        && state instanceof Participant.Registered p) {
                    fundsOut++;
                    p.accounts().forEach((currency, a) -> {
                        if (a.usableCoverMinor() < Math.max(0, a.positionMinor() + a.reservedMinor())) {
                            violations.add("funds out: " + e + " left usable cover " + a.usableCoverMinor()
                                    + " below " + (a.positionMinor() + a.reservedMinor()) + " in use");
                        }
                    });
                }
                if (e instanceof ParticipantEvent.FundsOutAborted) {
                    fundsOutAborted++;
                }
                if ((e instanceof ParticipantEvent.PayerFundsCommitted || e instanceof ParticipantEvent.PayerFundsReleased)
                        && after > before) {
                    violations.add("cap: " + e + " raised exposure " + before + " -> " + after);
                }
            }
            if (state instanceof Participant.Registered p) {
                p.accounts().forEach((currency, a) -> {
                    if (a.reservedMinor() != 0 || !a.pending().isEmpty()) {
                        violations.add("reserved: " + name + " " + currency + " still reserves " + a.reservedMinor()
                                + " for " + a.pending().keySet() + " after every transfer ended");
                    }
                });
            }
        });
    }

    private static long exposure(Participant state, ParticipantEvent e) {
        String currency = switch (e) {
            case ParticipantEvent.PayerFundsReserved r -> r.currency();
            case ParticipantEvent.PayerFundsCommitted c -> c.currency();
            case ParticipantEvent.PayerFundsReleased r -> r.currency();
            default -> null;
        };
        if (currency == null || !(state instanceof Participant.Registered p) || !p.accounts().containsKey(currency)) {
            return 0;
        }
        Participant.Account a = p.accounts().get(currency);
        return a.positionMinor() + a.reservedMinor();
    }

    /** Exactly one terminal event per transfer, nothing after it but notifications and a late release; no commit at or after expiry. */
    private Tally lifecycle() {
        int committed = 0, aborted = 0, expired = 0, rejected = 0;
        for (var entry : transferLogs.entrySet()) {
            int terminals = 0;
            java.time.Instant expiration = null;
            for (TransferEvent e : entry.getValue()) {
                switch (e) {
                    case TransferEvent.TransferPrepareAccepted a -> expiration = a.expiration();
                    case TransferEvent.TransferCommitted c -> {
                        terminals++;
                        committed++;
                        if (expiration == null || !c.completedAt().isBefore(expiration)) {
                            violations.add("expiry: " + c.transferId() + " committed at " + c.completedAt()
                                    + ", expiration " + expiration);
                        }
                    }
                    case TransferEvent.TransferAborted a -> { terminals++; aborted++; }
                    case TransferEvent.TransferExpired x -> { terminals++; expired++; }
                    case TransferEvent.TransferPrepareRejected r -> { terminals++; rejected++; }
                    case TransferEvent.TransferReserved r -> {
                        if (terminals > 0) {
                            violations.add("terminal: " + r + " after the transfer ended");
                        }
                    }
                    default -> { }
                }
            }
            if (terminals != 1) {
                violations.add("terminal: transfer " + entry.getKey() + " has " + terminals + " terminal events, state "
                        + transferStates.get(entry.getKey()));
            }
            Transfer state = transferStates.get(entry.getKey());
            if (state instanceof Transfer.Received || state instanceof Transfer.Reserved) {
                violations.add("stuck: " + entry.getKey() + " is " + state.getClass().getSimpleName() + " after expiry");
            }
        }
        int capRejections = (int) participantLogs.values().stream().flatMap(List::stream)
                .filter(e -> e instanceof ParticipantEvent.PayerFundsReservationRejected r
                        && (r.errorCode() == 4001 || r.errorCode() == 4200)).count();
        return new Tally(committed, aborted, expired, rejected, capRejections, fundsOut, fundsOutAborted, packedEvents,
                sim.commandPacks());
    }

    /** A repeated prepare with the same body reports the outcome again; with a changed body it is refused with 3106. */
    private void idempotency() {
        for (SimDfsps.DuplicatePrepare d : sim.dfsps.duplicatePrepares) {
            List<TransferEvent> outcome = sim.transfers.outcome(d.transferId(), d.commandId());
            boolean ok = d.sameBody()
                    ? outcome.size() == 1 && outcome.getFirst() instanceof TransferEvent.TransferDuplicateReported
                    : outcome.size() == 1 && outcome.getFirst() instanceof TransferEvent.TransferRequestRefused r
                            && r.errorCode() == 3106;
            if (!ok) {
                violations.add("idempotency: " + d + " produced " + outcome);
            }
        }
    }

    /** Every committed transfer moved the payer's reservation into position and credited the payee, once each; no other did. */
    private void commitsPaired() {
        Map<String, Integer> payerCommits = new HashMap<>();
        Map<String, Integer> payeeCredits = new HashMap<>();
        participantLogs.values().forEach(log -> log.forEach(e -> {
            if (e instanceof ParticipantEvent.PayerFundsCommitted c) {
                payerCommits.merge(c.transferId(), 1, Integer::sum);
            } else if (e instanceof ParticipantEvent.PayeeFundsCommitted c) {
                payeeCredits.merge(c.transferId(), 1, Integer::sum);
            }
        }));
        for (String id : transferStates.keySet()) {
            boolean committed = transferStates.get(id) instanceof Transfer.Committed;
            int expected = committed ? 1 : 0;
            if (payerCommits.getOrDefault(id, 0) != expected || payeeCredits.getOrDefault(id, 0) != expected) {
                violations.add("pairing: " + id + " (" + transferStates.get(id).getClass().getSimpleName()
                        + ") has " + payerCommits.getOrDefault(id, 0) + " payer commits and "
                        + payeeCredits.getOrDefault(id, 0) + " payee credits");
            }
        }
    }

    /** Every stream's versions run 1..n with no gap and no repeat: one writer, every batch all or nothing. */
    private void streamIntegrity() {
        for (SimStore store : List.of(sim.transfers.store, sim.participants.store)) {
            store.streams.forEach((stream, events) -> {
                for (int i = 0; i < events.size(); i++) {
                    if (events.get(i).version() != i + 1) {
                        violations.add("stream " + stream + ": version " + events.get(i).version() + " at " + (i + 1));
                        return;
                    }
                }
            });
        }
    }

    /**
     * The views folded from participants.events, once caught up, equal the aggregates: the gateway's (what the
     * admin API shows) and the payee directory (what reservations are decided on), though events came again,
     * late and out of date.
     */
    private void viewsAgree() {
        participantStates.forEach((name, state) -> {
            if (!(state instanceof Participant.Registered p)) {
                return;
            }
            var viewed = sim.gatewayView.participant(name);
            if (viewed.isEmpty()) {
                violations.add("gateway view: " + name + " missing");
                return;
            }
            if (viewed.get().active() != p.active()) {
                violations.add("gateway view: " + name + " active " + viewed.get().active() + ", aggregate " + p.active());
            }
            p.accounts().forEach((currency, a) -> {
                var account = viewed.get().account(currency);
                if (account.isEmpty() || account.get().positionMinor() != a.positionMinor()
                        || account.get().reservedMinor() != a.reservedMinor()
                        || account.get().netDebitCapMinor() != a.netDebitCapMinor()
                        || account.get().liquidityCoverMinor() != a.liquidityCoverMinor()) {
                    violations.add("gateway view: " + name + " " + currency + " shows " + account.orElse(null)
                            + ", aggregate position " + a.positionMinor() + " reserved " + a.reservedMinor()
                            + " NDC " + a.netDebitCapMinor() + " cover " + a.liquidityCoverMinor());
                }
                var facts = sim.payees.payee(new dev.mizani.schemas.participant.ReservePayerFunds("x", name, "t", 1L, currency));
                if (!facts.known() || facts.active() != p.active() || !facts.currencyEnabled()) {
                    violations.add("payee directory: " + name + " " + currency + " gives " + facts + ", aggregate active "
                            + p.active());
                }
            });
        });
    }
}
