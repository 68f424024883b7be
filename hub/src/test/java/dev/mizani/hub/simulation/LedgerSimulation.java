package dev.mizani.hub.simulation;

import dev.mizani.hub.simulation.SimHandler.Message;
import dev.mizani.participants.avro.ParticipantAvro;
import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.participants.domain.ParticipantDecider;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.participants.policy.TransferEventsPolicy;
import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.schemas.participant.AddCurrency;
import dev.mizani.schemas.participant.CreateParticipant;
import dev.mizani.schemas.participant.RecordFundsIn;
import dev.mizani.schemas.participant.RecordFundsOut;
import dev.mizani.schemas.participant.ReserveFundsOut;
import dev.mizani.schemas.participant.CommitFundsOut;
import dev.mizani.schemas.participant.AbortFundsOut;
import dev.mizani.schemas.participant.SetInitialPosition;
import dev.mizani.schemas.participant.SetNetDebitCap;
import dev.mizani.schemas.transfer.ExpireTransfer;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.transfers.avro.TransferAvro;
import dev.mizani.transfers.domain.Transfer;
import dev.mizani.transfers.domain.TransferCommand;
import dev.mizani.transfers.domain.TransferDecider;
import dev.mizani.transfers.domain.TransferEvent;
import dev.mizani.transfers.policy.ParticipantEventsPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Both aggregates, both policies and the Avro mappings, over buses that drop (with redelivery),
 * duplicate and reorder across keys, with handlers crashing between commit and publish. Driven by one
 * seed, so any run replays exactly. {@link LedgerInvariants} checks the outcome.
 */
final class LedgerSimulation {
    record Faults(double dropRate, double duplicateRate, double crashRate) {}

    static final List<String> DFSPS = List.of("dfsp-a", "dfsp-b", "dfsp-c", "dfsp-d", "dfsp-e");

    final long seed;
    final Random random;
    final SimClock clock = new SimClock();
    final Faults faults;
    final SimBus transferBus;
    final SimBus participantBus;
    final SimHandler<TransferCommand, TransferEvent, Transfer> transfers;
    final SimHandler<ParticipantCommand, ParticipantEvent, Participant> participants;
    final SimDfsps dfsps;
    private final Set<String> expirySent = new HashSet<>();
    private long adminSeq;

    LedgerSimulation(long seed, Faults faults) {
        this.seed = seed;
        this.random = new Random(seed);
        this.faults = faults;
        this.transferBus = new SimBus(random, faults.duplicateRate());
        this.participantBus = new SimBus(random, faults.duplicateRate());
        this.transfers = new SimHandler<>(new TransferDecider(),
                (m, clock) -> TransferAvro.command(m.payload(), clock.now()), TransferAvro::event);
        this.participants = new SimHandler<>(new ParticipantDecider(),
                (m, clock) -> ParticipantAvro.command(m.payload(), c -> SimDirectory.payee(participantsHandler(), c)),
                ParticipantAvro::event);
        this.dfsps = new SimDfsps(this);
    }

    private SimHandler<ParticipantCommand, ParticipantEvent, Participant> participantsHandler() {
        return participants;
    }

    void onboard() {
        for (String dfsp : DFSPS) {
            admin(dfsp, new CreateParticipant(dfsp));
            admin(dfsp, new AddCurrency(dfsp, "USD"));
            // dfsp-e runs into its net debit cap (4200), dfsp-d into its liquidity cover (4001).
            long ndc = dfsp.equals("dfsp-e") ? 40_000L + random.nextInt(20_000) : 300_000L + random.nextInt(2_000_000);
            long cover = dfsp.equals("dfsp-d") ? 50_000L + random.nextInt(20_000) : 400_000L + random.nextInt(2_000_000);
            admin(dfsp, new SetNetDebitCap(dfsp, "USD", ndc));
            admin(dfsp, new SetInitialPosition(dfsp, "USD", (long) random.nextInt(5_000) - 2_500));
            admin(dfsp, new RecordFundsIn(dfsp, "USD", cover, "seed-" + dfsp));
        }
        // One participant never gets the currency, one is deactivated later: the 3100 paths.
        admin("dfsp-f", new CreateParticipant("dfsp-f"));
    }

    void admin(String key, org.apache.avro.specific.SpecificRecord command) {
        participantBus.send(new Message(key, "admin-" + (++adminSeq), command));
    }

    void fundsAction() {
        String dfsp = DFSPS.get(random.nextInt(DFSPS.size()));
        String id = random.nextInt(10) == 0 && adminSeq > 0 ? "funds-" + random.nextInt((int) adminSeq) : "funds-" + adminSeq;
        long amount = 1 + random.nextInt(20_000);
        int kind = random.nextInt(6);
        if (kind < 2) {
            admin(dfsp, new RecordFundsIn(dfsp, "USD", amount, id));
        } else if (kind == 2) {
            admin(dfsp, new RecordFundsOut(dfsp, "USD", amount, id));
        } else if (kind == 3 || fundsOutOpen.isEmpty()) {
            admin(dfsp, new ReserveFundsOut(dfsp, "USD", amount, id));
            fundsOutOpen.add(new String[] {dfsp, id});
        } else {
            // Commit or abort a prepared funds out (or one the participant refused: then the commit is refused too).
            String[] open = fundsOutOpen.remove(random.nextInt(fundsOutOpen.size()));
            admin(open[0], random.nextBoolean() ? new CommitFundsOut(open[0], open[1]) : new AbortFundsOut(open[0], open[1]));
        }
    }

    private final java.util.List<String[]> fundsOutOpen = new java.util.ArrayList<>();

    /** One turn: maybe restart a crashed handler, deliver some records, fire due timers, let time pass. */
    void step(boolean clientsActive) {
        if (transfers.down && random.nextInt(4) == 0) {
            transfers.restart().forEach(this::onTransferEvent);
        }
        if (participants.down && random.nextInt(4) == 0) {
            participants.restart().forEach(this::onParticipantEvent);
        }
        if (clientsActive) {
            dfsps.act();
        }
        dfsps.answerDue();
        for (int i = 0; i < 4 + random.nextInt(12); i++) {
            if (random.nextBoolean()) {
                deliver(transferBus, transfers, true);
            } else {
                deliver(participantBus, participants, false);
            }
        }
        fireExpiryTimers();
        clock.advanceMs(random.nextInt(25));
    }

    private <C, E, S> void deliver(SimBus bus, SimHandler<C, E, S> handler, boolean isTransfers) {
        Message m = bus.take();
        if (m == null) {
            return;
        }
        if (handler.down || random.nextDouble() < faults.dropRate()) {
            bus.redeliver(m);
            return;
        }
        List<Message> published = handler.process(m, clock, random.nextDouble() < faults.crashRate());
        published.forEach(isTransfers ? this::onTransferEvent : this::onParticipantEvent);
    }

    private void onTransferEvent(Message event) {
        for (PolicyCommand c : TransferEventsPolicy.commandsFor(event.payload())) {
            participantBus.send(new Message(c.key(), c.commandId(), c.payload()));
        }
        if (event.payload() instanceof TransferReserved reserved) {
            dfsps.payeeReceived(reserved);
        }
    }

    private void onParticipantEvent(Message event) {
        for (PolicyCommand c : ParticipantEventsPolicy.commandsFor(event.payload())) {
            transferBus.send(new Message(c.key(), c.commandId(), c.payload()));
        }
    }

    /** The transfer handler's timer: every live transfer whose expiration passed gets one ExpireTransfer. */
    private void fireExpiryTimers() {
        for (var entry : transfers.states.entrySet()) {
            Transfer.Terms terms = switch (entry.getValue()) {
                case Transfer.Received r -> r.terms();
                case Transfer.Reserved r -> r.terms();
                default -> null;
            };
            if (terms != null && !clock.now().isBefore(terms.expiration()) && expirySent.add(entry.getKey())) {
                transferBus.send(new Message(entry.getKey(), "expire:" + entry.getKey(), new ExpireTransfer(entry.getKey())));
            }
        }
    }

    /** Stop new work, let every expiration pass, and run until nothing is in flight anywhere. */
    void drain() {
        clock.advanceMs(120_000);
        for (int guard = 0; guard < 1_000_000; guard++) {
            if (transferBus.isEmpty() && participantBus.isEmpty() && transfers.idle() && participants.idle()
                    && dfsps.idle()) {
                fireExpiryTimers();
                if (transferBus.isEmpty()) {
                    return;
                }
            }
            step(false);
            clock.advanceMs(200);
        }
        throw new AssertionError("simulation did not drain; seed " + seed);
    }

    List<String> transferIds() {
        return new ArrayList<>(transfers.states.keySet());
    }
}
