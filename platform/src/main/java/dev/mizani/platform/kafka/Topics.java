package dev.mizani.platform.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the hub's topics where missing (existing topics are left as they are) and returns only once
 * every partition has a leader. Producing the moment createTopics returns fails with
 * NOT_LEADER_OR_FOLLOWER on partitions still electing, and the idempotent producer can then spin on
 * sequence errors until its batches expire: records lost at the source.
 */
public final class Topics {
    private static final Duration LEADERS_BOUND = Duration.ofSeconds(30);

    private Topics() {}

    public static void ensure(String bootstrap, Map<String, Integer> partitionsByTopic, short replication) {
        ensure(bootstrap, partitionsByTopic, replication, Map.of());
    }

    /** @param configs topic settings (retention, cleanup policy) of the topics it creates; existing ones keep theirs */
    public static void ensure(String bootstrap, Map<String, Integer> partitionsByTopic, short replication,
                              Map<String, String> configs) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            partitionsByTopic.forEach((topic, partitions) -> {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, partitions, replication).configs(configs));
                }
            });
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            awaitLeaders(admin, partitionsByTopic.keySet());
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics " + partitionsByTopic.keySet(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topics", e);
        }
    }

    /**
     * Every partition has a leader and every replica a log directory. The leader alone is not enough:
     * describeTopics answers from the metadata cache before the broker's replica manager has made the
     * partition, and the first produce then still meets NOT_LEADER_OR_FOLLOWER.
     */
    private static boolean allLed(Admin admin, Set<String> topics) throws InterruptedException, ExecutionException {
        try {
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get();
            List<TopicPartitionReplica> replicas = new ArrayList<>();
            for (TopicDescription d : described.values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    if (p.leader() == null || p.leader().isEmpty()) {
                        return false;
                    }
                    p.replicas().forEach(node -> replicas.add(new TopicPartitionReplica(d.name(), p.partition(), node.id())));
                }
            }
            return admin.describeReplicaLogDirs(replicas).all().get().values().stream()
                    .allMatch(info -> info.getCurrentReplicaLogDir() != null);
        } catch (ExecutionException e) {
            // Just created: the metadata may not have reached the broker yet.
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw e;
        }
    }

    private static void awaitLeaders(Admin admin, Set<String> topics) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + LEADERS_BOUND.toNanos();
        while (true) {
            if (allLed(admin, topics)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("partitions of " + topics + " have no leader after " + LEADERS_BOUND);
            }
            Thread.sleep(50);
        }
    }
}
