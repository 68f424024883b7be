package dev.mizani.platform.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the hub's topics where missing; existing topics are left as they are. */
public final class Topics {
    private Topics() {}

    public static void ensure(String bootstrap, Map<String, Integer> partitionsByTopic, short replication) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            partitionsByTopic.forEach((topic, partitions) -> {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, partitions, replication));
                }
            });
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topics " + partitionsByTopic.keySet(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topics", e);
        }
    }
}
