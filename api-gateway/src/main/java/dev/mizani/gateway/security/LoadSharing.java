package dev.mizani.gateway.security;

import dev.mizani.platform.kafka.KafkaClients;
import dev.mizani.schemas.HubTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits that hold across gateway processes (the idea of rippled's cluster load sharing): every {@code every},
 * each process publishes on {@link HubTopics#GATEWAY_LOAD} how many requests it admitted per participant, and takes
 * what the others published out of its own buckets. Every bucket then drains with the whole cluster's traffic, so a
 * participant over its rate is refused by every process, within about one period (plus the broker's delivery) of
 * going over. A process that hears nothing (a lone gateway, or the broker away) limits on its own traffic alone.
 */
public final class LoadSharing implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadSharing.class);

    private final RateLimits limits;
    private final String instance = UUID.randomUUID().toString();
    private final Duration every;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread publisher;
    private final Thread listener;
    private volatile boolean running = true;
    /** How long the broker may hold the listener's fetch while no other gateway has published. */
    static final int FETCH_WAIT_MS = 500;

    public LoadSharing(String bootstrap, RateLimits limits, Duration every) {
        this.limits = limits;
        this.every = every;
        Map<String, Object> producerConfig = KafkaClients.idempotentProducer(bootstrap, "gateway-load-" + instance);
        producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000); // stale counts are worth nothing
        producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        this.producer = new KafkaProducer<>(producerConfig);
        Map<String, Object> consumerConfig = KafkaClients.plainConsumer(bootstrap, null);
        // A fetch returns as soon as another gateway's count arrives (fetch.min.bytes is 1); the wait only bounds how
        // long the broker holds a fetch that finds nothing. At 10 ms a lone gateway sent some 86 empty fetches a second
        // to a quiet topic, an eighth of the broker's requests at 2,000 transfers/s over HTTP.
        consumerConfig.put("fetch.max.wait.ms", FETCH_WAIT_MS);
        this.consumer = new KafkaConsumer<>(consumerConfig);
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(HubTopics.GATEWAY_LOAD).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions); // only what others admit from now on counts
        partitions.forEach(consumer::position);
        this.publisher = Thread.ofPlatform().daemon().name("gateway-load-publisher").unstarted(this::publish);
        this.listener = Thread.ofPlatform().daemon().name("gateway-load-listener").unstarted(this::listen);
    }

    public LoadSharing start() {
        publisher.start();
        listener.start();
        return this;
    }

    private void publish() {
        while (running) {
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            Map<String, Long> admitted = limits.drainAdmitted();
            if (!admitted.isEmpty()) {
                producer.send(new ProducerRecord<>(HubTopics.GATEWAY_LOAD, instance, encode(admitted)), (metadata, e) -> {
                    if (e != null) {
                        log.debug("could not share this gateway's load: {}", e.toString());
                    }
                });
            }
        }
    }

    private void listen() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (!instance.equals(r.key())) {
                        decode(r.value()).forEach(limits::debit);
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("stopped hearing the other gateways' load; rate limits now count this process's requests only: {}",
                    e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    static byte[] encode(Map<String, Long> admitted) {
        StringBuilder b = new StringBuilder();
        admitted.forEach((participant, count) -> b.append(participant).append(' ').append(count).append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Lines of {@code participant count}; a line that is not one is skipped (the topic is internal, never fatal). */
    static Map<String, Long> decode(byte[] value) {
        Map<String, Long> admitted = new java.util.HashMap<>();
        if (value == null) {
            return admitted;
        }
        for (String line : new String(value, StandardCharsets.UTF_8).split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space > 0) {
                try {
                    admitted.merge(line.substring(0, space), Long.parseLong(line.substring(space + 1)), Long::sum);
                } catch (NumberFormatException e) {
                    // not a count: skipped
                }
            }
        }
        return admitted;
    }

    @Override
    public void close() {
        running = false;
        publisher.interrupt();
        consumer.wakeup();
        try {
            publisher.join(2_000);
            listener.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }
}
