package dev.mizani.platform.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.eventstore.EventPositions;
import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.platform.kafka.Topics;
import dev.mizani.platform.testing.Await;
import dev.mizani.platform.testing.SharedInfrastructure;
import dev.mizani.platform.testing.TopicReader;
import dev.mizani.schemas.common.PackedCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A packing policy on the real broker: the commands it derives for one key go out on fewer records than commands,
 * each once, in order, naming their events' positions; and commands it still holds when it stops (after Kafka
 * Streams committed the offsets of the events they came from) are sent by its successor, from the changelogged store.
 */
class PolicyPackingTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final List<String> KEYS = List.of("dfsp-a", "dfsp-b", "dfsp-c");
    /** A test pack: a marker, then the commands as the policy's store holds them. */
    private static final byte PACK = 'P';

    private final SharedInfrastructure infra = SharedInfrastructure.get();

    @Test
    void commandsForOneKeyGoOutOnFewerRecordsEachOnceInOrderWithTheirEventsPositions(@TempDir Path state) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Names topics = topics(id);
        int events = 300;
        produce(topics.events, events);
        try (PolicyStream policy = new PolicyStream("packing-" + id, infra.bootstrap(), topics.events, topics.commands,
                PolicyPackingTest::translate, PolicyPackingTest::pack, state, StreamsConfig.AT_LEAST_ONCE,
                "test-" + id).start()) {
            Map<String, List<long[]>> received = receive(topics.commands, events);
            for (String key : KEYS) {
                List<long[]> commands = received.get(key);
                assertThat(commands).as(key).hasSize(events / KEYS.size());
                for (int i = 1; i < commands.size(); i++) {
                    assertThat(commands.get(i)[0]).as("%s in order", key).isGreaterThan(commands.get(i - 1)[0]);
                }
                for (long[] c : commands) {
                    assertThat(c[1]).as("the source position of command %d", c[0]).isEqualTo(1_000 + c[0]);
                }
            }
            assertThat(endOffset(topics.commands)).as("records").isLessThan(events);
        }
    }

    @Test
    void commandsHeldWhenThePolicyStopsAreSentByItsSuccessor(@TempDir Path first, @TempDir Path second)
            throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Names topics = topics(id);
        int events = 30;
        produce(topics.events, events);
        String application = "packing-" + id;
        // punctuates only after an hour: everything it derives stays in its store
        try (PolicyStream holding = new PolicyStream(application, infra.bootstrap(), topics.events, topics.commands,
                PolicyPackingTest::translate, PolicyPackingTest::pack, Duration.ofHours(1), first,
                StreamsConfig.AT_LEAST_ONCE, "test-" + id).start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrap()))) {
            Await.until(BOUND, "the policy committed past every event", () -> {
                OffsetAndMetadata committed;
                try {
                    committed = admin.listConsumerGroupOffsets(application).partitionsToOffsetAndMetadata().get()
                            .get(new TopicPartition(topics.events, 0));
                } catch (Exception e) {
                    return false;
                }
                return committed != null && committed.offset() == events;
            });
            Thread.sleep(500); // and a while more
            assertThat(endOffset(topics.commands)).as("nothing sent while held").isZero();
        }
        // a new state directory: the successor has only the changelog to restore from
        try (PolicyStream successor = new PolicyStream(application, infra.bootstrap(), topics.events, topics.commands,
                PolicyPackingTest::translate, PolicyPackingTest::pack, second, StreamsConfig.AT_LEAST_ONCE,
                "test-" + id).start()) {
            Map<String, List<long[]>> received = receive(topics.commands, events);
            for (String key : KEYS) {
                assertThat(received.get(key)).as(key).hasSize(events / KEYS.size());
            }
        }
    }

    private record Names(String events, String commands) {}

    private Names topics(String id) {
        Names t = new Names("packing-" + id + ".events", "packing-" + id + ".commands");
        Topics.ensure(infra.bootstrap(), Map.of(t.events, 1, t.commands, 1, t.commands + ".dlq", 1), (short) 1);
        return t;
    }

    /** Event n, for key n % 3, at store position 1000 + n. */
    private void produce(String topic, int events) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.idempotentProducer(infra.bootstrap(),
                "packing-producer"))) {
            for (int n = 0; n < events; n++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(EventPositions.POSITION_HEADER, EventPositions.bytes(1_000 + n));
                producer.send(new ProducerRecord<>(topic, null, "t-" + n,
                        (KEYS.get(n % KEYS.size()) + ":" + n).getBytes(StandardCharsets.UTF_8), headers));
            }
            producer.flush();
        }
    }

    private static List<KeyValue<String, byte[]>> translate(byte[] event) {
        String[] parts = new String(event, StandardCharsets.UTF_8).split(":");
        return List.of(KeyValue.pair(parts[0], parts[1].getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] pack(String key, List<PackedCommand> commands, long timestamp) {
        byte[] held = CommandPacks.write(commands);
        byte[] out = new byte[held.length + 1];
        out[0] = PACK;
        System.arraycopy(held, 0, out, 1, held.length);
        return out;
    }

    /** Every command received, by key, as {number, source position}: unpacked, or on a record of its own. */
    private Map<String, List<long[]>> receive(String topic, int commands) {
        Map<String, List<long[]>> out = new LinkedHashMap<>();
        Await.until(BOUND, commands + " commands received", () -> {
            out.clear();
            int count = 0;
            for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(infra.bootstrap(), topic, 1,
                    Duration.ofSeconds(10), Duration.ofMillis(300))) {
                List<long[]> forKey = out.computeIfAbsent(r.key(), k -> new ArrayList<>());
                if (r.value()[0] == PACK) {
                    List<PackedCommand> packed = CommandPacks.read(Arrays.copyOfRange(r.value(), 1, r.value().length));
                    assertThat(packed).as("a pack holds two or more").hasSizeGreaterThan(1);
                    for (PackedCommand c : packed) {
                        forKey.add(new long[] {number(CommandPacks.bytes(c.getEnvelope())), c.getSourcePosition()});
                    }
                    count += packed.size();
                } else {
                    forKey.add(new long[] {number(r.value()),
                            EventPositions.of(r.headers(), EventPositions.SOURCE_HEADER)});
                    count++;
                }
            }
            return count >= commands;
        });
        return out;
    }

    private long endOffset(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaClients.plainConsumer(infra.bootstrap(), null))) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private static long number(byte[] command) {
        return Long.parseLong(new String(command, StandardCharsets.UTF_8));
    }
}
