package dev.mizani.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.participants.handler.PayeeDirectory;
import dev.mizani.participants.policy.TransferEventsPolicy;
import dev.mizani.platform.policy.PolicyCommand;
import dev.mizani.platform.testing.RandomData;
import dev.mizani.schemas.common.EventMetadata;
import dev.mizani.schemas.participant.CurrencyAdded;
import dev.mizani.schemas.participant.ParticipantCreated;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.participant.ReservePayerFunds;
import dev.mizani.schemas.transfer.TransferEventEnvelope;
import dev.mizani.transfers.policy.ParticipantEventsPolicy;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The policies and the payee directory pass over the event types they do not list in {@code READS} without decoding
 * them. Each list must hold every type that can matter to its reader: for random events of every type of the topic,
 * one not listed never yields a command (or changes a payee), and each one listed does for some of them.
 */
class EventReadersTest {
    private static final int SAMPLES = 300;

    @Test
    void eachPolicyListsEveryEventTypeItTurnsIntoCommands() {
        policyReads(TransferEventEnvelope.getClassSchema(), TransferEventsPolicy.READS, TransferEventsPolicy::commandsFor);
        policyReads(ParticipantEventEnvelope.getClassSchema(), ParticipantEventsPolicy.READS,
                ParticipantEventsPolicy::commandsFor);
    }

    @Test
    void thePayeeDirectoryListsEveryEventTypeThatChangesAPayeesFacts() {
        Random random = new Random(5);
        for (Schema type : payloadTypes(ParticipantEventEnvelope.getClassSchema())) {
            boolean listed = PayeeDirectory.READS.contains(type.getFullName());
            boolean changedAny = false;
            for (int i = 0; i < SAMPLES; i++) {
                PayeeDirectory directory = new PayeeDirectory();
                directory.apply(event(1, new ParticipantCreated("payee")));
                directory.apply(event(2, new CurrencyAdded("payee", "XTS")));
                ReservePayerFunds reserve = new ReservePayerFunds("payer", "payee", "t-1", 100L, "XTS");
                var before = directory.payee(reserve);
                SpecificRecord payload = RandomData.specific(type, random);
                directory.apply(event(3, payload));
                boolean changed = !directory.payee(reserve).equals(before);
                assertThat(changed && !listed).as("%s changed a payee's facts but is not in READS", type.getName())
                        .isFalse();
                changedAny |= changed;
            }
            if (listed && !type.getName().equals("ParticipantCreated") && !type.getName().equals("CurrencyAdded")) {
                assertThat(changedAny).as("%s is in READS but never changed a payee", type.getName()).isTrue();
            }
        }
    }

    private static void policyReads(Schema envelope, Set<String> reads, Function<Object, List<PolicyCommand>> policy) {
        Random random = new Random(7);
        for (Schema type : payloadTypes(envelope)) {
            boolean listed = reads.contains(type.getFullName());
            int yielded = 0;
            for (int i = 0; i < SAMPLES; i++) {
                List<PolicyCommand> commands = policy.apply(RandomData.specific(type, random));
                assertThat(commands.isEmpty() || listed).as("%s yields commands but is not in READS", type.getName())
                        .isTrue();
                yielded += commands.isEmpty() ? 0 : 1;
            }
            if (listed) {
                assertThat(yielded).as("%s is in READS but never yields a command", type.getName()).isPositive();
            }
        }
    }

    private static List<Schema> payloadTypes(Schema envelope) {
        return envelope.getField("payload").schema().getTypes();
    }

    private static ParticipantEventEnvelope event(long version, Object payload) {
        EventMetadata metadata = (EventMetadata) RandomData.specific(
                EventMetadata.getClassSchema(), new Random(version));
        metadata.setStreamId("participant-payee");
        metadata.setVersion(version);
        return new ParticipantEventEnvelope(metadata, payload);
    }
}
