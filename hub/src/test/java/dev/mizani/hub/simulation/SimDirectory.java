package dev.mizani.hub.simulation;

import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.schemas.participant.ReservePayerFunds;

/** The participants handler's directory of payees, read from the participants' committed state. */
final class SimDirectory {
    private SimDirectory() {}

    static PayeeFacts payee(SimHandler<ParticipantCommand, ParticipantEvent, Participant> participants, ReservePayerFunds c) {
        if (!(participants.state(c.getPayeeFsp()) instanceof Participant.Registered payee)) {
            return new PayeeFacts(false, false, false);
        }
        return new PayeeFacts(true, payee.active(), payee.accounts().containsKey(c.getCurrency()));
    }
}
