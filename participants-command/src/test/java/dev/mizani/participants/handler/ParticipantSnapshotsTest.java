package dev.mizani.participants.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.Participant.Account;
import dev.mizani.participants.domain.Participant.Reservation;
import dev.mizani.platform.eventstore.StateBytes;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParticipantSnapshotsTest {

    @Test
    void everyPartOfAParticipantSurvivesTheSnapshot() {
        Participant state = new Participant.Registered("dfsp-a", false,
                Map.of("USD", new Account(-150, 300, 10_000, 20_000, true,
                                Map.of("t1", new Reservation("dfsp-b", 100), "t2", new Reservation("dfsp-c", 200)),
                                Map.of("fo-1", 700L)),
                        "EUR", new Account(0, 0, 0, 0, false, Map.of(), Map.of())),
                Set.of("f-1", "f-2"), Map.of("FSPIOP_CALLBACK_URL_TRANSFER_PUT", "https://a.example/cb"),
                new Participant.Access("ab".repeat(32), 250, 50));
        assertThat(ParticipantSnapshots.read(ParticipantSnapshots.write(state))).isEqualTo(state);
        Participant noCredential = new Participant.Registered("dfsp-b", true, Map.of(), Set.of(), Map.of(),
                new Participant.Access(null, 0, 0));
        assertThat(ParticipantSnapshots.read(ParticipantSnapshots.write(noCredential))).isEqualTo(noCredential);
        assertThat(ParticipantSnapshots.read(ParticipantSnapshots.write(new Participant.Absent())))
                .isEqualTo(new Participant.Absent());
    }

    @Test
    void aSnapshotOfAnotherFormatIsRecognisedAsSuch() {
        byte[] older = new StateBytes.Writer(1).i8(0).bytes();
        assertThatThrownBy(() -> ParticipantSnapshots.read(older)).isInstanceOf(StateBytes.FormatMismatch.class);
    }
}
