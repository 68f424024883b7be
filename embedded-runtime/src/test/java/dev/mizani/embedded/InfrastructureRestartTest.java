package dev.mizani.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded runtime keeps every piece's data across a stop and a start in the same directory. */
class InfrastructureRestartTest {
    private static final String SCHEMA = """
            {"type":"record","name":"Probe","namespace":"dev.mizani.test","fields":[{"name":"n","type":"long"}]}""";

    @TempDir
    Path dataDir;

    @Test
    void restartKeepsDatabaseRowsTopicRecordsAndSchemas() throws Exception {
        InfrastructureSettings settings = InfrastructureSettings.embeddedOnFreePorts(dataDir);
        int schemaId;
        try (Infrastructure infra = Infrastructure.start(settings)) {
            try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword());
                 Statement st = c.createStatement()) {
                st.execute("create table kept (v text)");
                st.execute("insert into kept values ('before restart')");
                assertThat(setting(st, "fsync")).isEqualTo("on");
                // a new database gets statistics within seconds, before prepared statements settle on their plans
                assertThat(setting(st, "autovacuum_naptime")).isEqualTo("5s");
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(infra))) {
                producer.send(new ProducerRecord<>("kept", "k", "before restart")).get();
            }
            SchemaRegistryClient registry = new SchemaRegistryClient(infra.registryUrl(), Duration.ofSeconds(10));
            schemaId = registry.register("kept-value", SCHEMA);
            assertThat(registry.globalCompatibility()).isEqualTo("BACKWARD");

            var listeners = ListeningSockets.of(Stream.concat(Stream.of(ProcessHandle.current()),
                    ProcessHandle.current().descendants()));
            assertThat(listeners).as("broker, database and registry all listen").hasSizeGreaterThanOrEqualTo(4);
            assertThat(listeners).as("nothing listens beyond loopback").allMatch(ListeningSockets.Listener::loopback);
        }

        try (Infrastructure infra = Infrastructure.start(settings)) {
            try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword());
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select v from kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("before restart");
            }
            assertThat(readAll(infra, "kept")).containsExactly("before restart");
            SchemaRegistryClient registry = new SchemaRegistryClient(infra.registryUrl(), Duration.ofSeconds(10));
            assertThat(registry.subjects()).contains("kept-value");
            assertThat(registry.lookup("kept-value", SCHEMA).id()).isEqualTo(schemaId);
        }
    }

    private static String setting(Statement st, String name) throws java.sql.SQLException {
        try (ResultSet rs = st.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Properties producerProps(Infrastructure infra) {
        Properties p = new Properties();
        p.put("bootstrap.servers", infra.kafkaBootstrap());
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("acks", "all");
        return p;
    }

    private static List<String> readAll(Infrastructure infra, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", infra.kafkaBootstrap());
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
