package dev.mizani.platform.commandloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.domain.Decider;
import dev.mizani.platform.eventstore.NewEvent;
import dev.mizani.platform.eventstore.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * How {@link BatchDecider} packs the events a codec calls packable: per stream and input partition, in order, up to
 * {@link BatchDecider#PACK_EVENTS_MAX}, a lone one stored plain; and how a repeat of a packed command is found and
 * not decided again. Pure: the store session is in memory. The toy aggregate counts its events; a command
 * {@code fact:<id>} (a derived id) decides one packable event, {@code admin-<n>} one that is not.
 */
class PackingTest {
    private static final TopicPartition P0 = new TopicPartition("toy.commands", 0);
    private static final TopicPartition P1 = new TopicPartition("toy.commands", 1);

    private final MemorySession store = new MemorySession();
    private BatchDecider<String, String, Long> decider = toyDecider(true);

    /** A toy loop: "fact:x" decides a packable fact, "both:x" two plain notes, anything else an admin event. */
    private static BatchDecider<String, String, Long> toyDecider(boolean looksUpRepeats) {
        return new BatchDecider<>("toy", new Decider<>() {
            @Override
            public Long initialState() {
                return 0L;
            }

            @Override
            public List<String> decide(String command, Long state) {
                if (command.startsWith("both:")) {
                    return List.of("note " + command.substring(5) + "-1", "note " + command.substring(5) + "-2");
                }
                return List.of(command.startsWith("fact:") ? "fact " + command.substring(5) : "admin " + command);
            }

            @Override
            public Long evolve(Long state, String event) {
                return state + (event.startsWith("pack") ? event.split(",").length : 1);
            }
        }, new ToyCodec(looksUpRepeats), 1_000_000);
    }
    private final Map<TopicPartition, Long> offsets = new HashMap<>(Map.of(P0, 0L, P1, 0L));

    @Test
    void aStreamsPackableEventsOfOneBatchArePackedAndALoneOneIsStoredPlain() throws Exception {
        DecidedBatch<Long> batch = decide(P0, "a", "fact:t1", "fact:t2", "fact:t3");
        batch = decide(batch, P0, "b", "fact:t4");

        assertThat(events(batch)).containsExactly("a@1 pack[fact t1,fact t2,fact t3]", "b@1 fact t4");
        NewEvent pack = batch.events().getFirst().event();
        assertThat(pack.causationId()).isNull();
        assertThat(pack.correlationId()).isEqualTo("corr-fact:t1");
        assertThat(pack.derivedCommands()).extracting(NewEvent.DerivedCommand::commandId)
                .containsExactly("fact:t1", "fact:t2", "fact:t3");
        NewEvent plain = batch.events().get(1).event();
        assertThat(plain.causationId()).isEqualTo("fact:t4");
        assertThat(plain.derivedCommands()).as("a lone derived command is keyed too")
                .extracting(NewEvent.DerivedCommand::commandId).containsExactly("fact:t4");
        assertThat(batch.streams().get("toy-a").version()).isEqualTo(1);
        assertThat(batch.streams().get("toy-a").state()).as("every packed event applied").isEqualTo(3);
    }

    @Test
    void anEventThatIsNotPackableEndsAPackAndKeepsItsPlace() throws Exception {
        DecidedBatch<Long> batch = decide(P0, "a", "fact:t1", "fact:t2", "admin-1", "fact:t3", "fact:t4");
        assertThat(events(batch)).containsExactly("a@1 pack[fact t1,fact t2]", "a@2 admin admin-1",
                "a@3 pack[fact t3,fact t4]");
    }

    @Test
    void packsHoldAtMostTheirLimitAndNeverMixInputPartitions() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < BatchDecider.PACK_EVENTS_MAX + 10; i++) {
            many.add("fact:t" + i);
        }
        DecidedBatch<Long> batch = decide(P0, "a", many.toArray(String[]::new));
        assertThat(batch.events()).hasSize(2);
        assertThat(batch.events().get(0).event().derivedCommands()).hasSize(BatchDecider.PACK_EVENTS_MAX);
        assertThat(batch.events().get(1).event().derivedCommands()).hasSize(10);

        DecidedBatch<Long> mixed = decide(P0, "c", "fact:u1", "fact:u2");
        mixed = decide(mixed, P1, "c", "fact:u3", "fact:u4");
        assertThat(events(mixed)).containsExactly("c@1 pack[fact u1,fact u2]", "c@2 pack[fact u3,fact u4]");
        assertThat(mixed.events()).extracting(DecidedBatch.PendingEvent::source).containsExactly(P0, P1);
    }

    @Test
    void aRepeatOfADerivedCommandIsFoundAndNotDecidedAgainNorIsItsPackSentAgain() throws Exception {
        store.commit(decide(P0, "a", "fact:t1", "fact:t2"));
        store.commit(decide(P0, "a", "fact:t5"));

        DecidedBatch<Long> again = decide(P0, "a", "fact:t2", "fact:t5", "fact:t6");
        assertThat(again.repeatedCommands()).isEqualTo(2);
        assertThat(events(again)).containsExactly("a@3 fact t6");
        assertThat(again.reEmitted()).as("the plain event t5 caused alone; not the pack t2 went into")
                .extracting(StoredEvent::causationId).containsExactly("fact:t5");
    }

    @Test
    void aCommandIsKeyedBesideTheFirstEventItDecidedAndFoundByThatKey() throws Exception {
        DecidedBatch<Long> batch = decide(P0, "a", "both:t1", "fact:t2", "fact:t3");
        assertThat(events(batch)).containsExactly("a@1 note t1-1", "a@2 note t1-2", "a@3 pack[fact t2,fact t3]");
        assertThat(batch.events()).extracting(p -> p.event().derivedCommands().stream()
                .map(NewEvent.DerivedCommand::commandId).toList())
                .containsExactly(List.of("both:t1"), List.of(), List.of("fact:t2", "fact:t3"));
        store.commit(batch);

        DecidedBatch<Long> again = decide(P0, "a", "both:t1");
        assertThat(again.repeatedCommands()).isEqualTo(1);
        assertThat(again.events()).isEmpty();
    }

    /** A codec whose decider recognises repeats itself: nothing keyed, nothing looked up, a repeat decided again. */
    @Test
    void aCodecThatRecognisesRepeatsItselfIsNeitherKeyedNorLookedUp() throws Exception {
        decider = toyDecider(false);
        DecidedBatch<Long> batch = decide(P0, "a", "fact:t1", "fact:t2", "both:t3");
        assertThat(batch.events()).allSatisfy(p -> assertThat(p.event().derivedCommands()).isEmpty());
        store.commit(batch);

        DecidedBatch<Long> again = decide(P0, "a", "fact:t1");
        assertThat(again.repeatedCommands()).isZero();
        assertThat(events(again)).containsExactly("a@4 fact t1");
    }

    private static List<String> events(DecidedBatch<Long> batch) {
        return batch.events().stream().map(p -> p.key() + "@" + p.event().version() + " "
                + new String(p.event().payload(), StandardCharsets.UTF_8)).toList();
    }

    private DecidedBatch<Long> decide(TopicPartition tp, String key, String... commands) throws Exception {
        return decide(null, tp, key, commands);
    }

    /** Decides the commands as one batch, after {@code before}'s records when given (one poll of both). */
    private DecidedBatch<Long> decide(DecidedBatch<Long> before, TopicPartition tp, String key, String... commands)
            throws Exception {
        Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> records = new LinkedHashMap<>();
        if (before == null) {
            pollStart = new HashMap<>(offsets);
        } else {
            pollRecords.forEach((p, list) -> records.put(p, new ArrayList<>(list)));
        }
        for (String command : commands) {
            long offset = offsets.merge(tp, 1L, Long::sum) - 1;
            records.computeIfAbsent(tp, t -> new ArrayList<>()).add(new ConsumerRecord<>(tp.topic(), tp.partition(),
                    offset, key, command.getBytes(StandardCharsets.UTF_8)));
        }
        pollRecords = records;
        return decider.decide(store, new ConsumerRecords<>(records, Map.of()), new AggregateCache<>(100), pollStart,
                Instant.EPOCH, BatchDecider.Uncommitted.NONE);
    }

    private Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> pollRecords = Map.of();
    private Map<TopicPartition, Long> pollStart = Map.of();

    /** Events as UTF-8 text; a pack lists its events. */
    private static final class ToyCodec implements AggregateCodec<String, String, Long> {
        private final boolean looksUpRepeats;

        ToyCodec(boolean looksUpRepeats) {
            this.looksUpRepeats = looksUpRepeats;
        }

        @Override
        public String streamPrefix() {
            return "toy";
        }

        @Override
        public boolean looksUpRepeats() {
            return looksUpRepeats;
        }

        @Override
        public DecodedCommand<String> decodeCommand(String key, byte[] value, Instant hubTime) {
            String command = new String(value, StandardCharsets.UTF_8);
            boolean derived = command.startsWith("fact:") || command.startsWith("both:");
            return new DecodedCommand<>(command, derived ? command : "client-" + command,
                    "corr-" + command);
        }

        @Override
        public byte[] encodeEvent(String event, EventStamp stamp) {
            return event.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decodeEvent(byte[] payload) {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String eventType(String event) {
            return event.split(" ")[0];
        }

        @Override
        public boolean packable(String event) {
            return event.startsWith("fact ");
        }

        @Override
        public String pack(String aggregateKey, List<String> events) {
            return "pack[" + String.join(",", events) + "]";
        }

        @Override
        public byte[] encodeState(Long state) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Long decodeState(byte[] bytes) {
            throw new UnsupportedOperationException();
        }
    }
}
