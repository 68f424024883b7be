package dev.mizani.platform.commandloop;

import dev.mizani.platform.metrics.Metrics;
import dev.mizani.platform.metrics.Metrics.Counter;
import dev.mizani.platform.metrics.Metrics.Histogram;

/**
 * What one command handler records, labelled with its name: where each batch's time went (waiting for the
 * poll to fill, deciding, waiting for the batch before to commit; and beside the loop, on the commit stage,
 * committing and publishing), batch sizes, and counts of commands, events, dead letters and rewound batches. Kept
 * outside the processor so that a replacement instance adds to the same series. The stage times summed over a minute
 * and divided by it say what share of it each stage holds: a loop whose deciding and awaiting add up to the whole
 * minute is the bottleneck even when the CPU is idle, and so is a commit stage whose committing and publishing do.
 */
public final class ProcessorMetrics {
    final Histogram poll;
    final Histogram decide;
    final Histogram await;
    final Histogram commit;
    final Histogram publish;
    final Histogram batchCommands;
    final Counter commands;
    final Counter events;
    final Counter deadLetters;
    final Counter rewound;
    final Counter republished;
    final Counter repeated;
    private final Metrics metrics;
    private final String processor;
    private final java.util.concurrent.ConcurrentHashMap<Class<?>, Counter> eventTypes = new java.util.concurrent.ConcurrentHashMap<>();

    public ProcessorMetrics(Metrics metrics, String processor) {
        this.metrics = metrics;
        this.processor = processor;
        String stages = "mizani_processor_stage_seconds";
        String stagesHelp = "Time per batch in each stage of the command loop: poll (waiting for records), "
                + "decide (loading aggregates and deciding), await (the loop waiting for the batch before to commit), "
                + "commit (the PostgreSQL transaction, beside the loop), publish (the commit stage handing the events "
                + "over and waiting for the batch before's acknowledgements)";
        poll = metrics.histogram(stages, stagesHelp, Metrics.SECONDS, "processor", processor, "stage", "poll");
        decide = metrics.histogram(stages, stagesHelp, Metrics.SECONDS, "processor", processor, "stage", "decide");
        await = metrics.histogram(stages, stagesHelp, Metrics.SECONDS, "processor", processor, "stage", "await");
        commit = metrics.histogram(stages, stagesHelp, Metrics.SECONDS, "processor", processor, "stage", "commit");
        publish = metrics.histogram(stages, stagesHelp, Metrics.SECONDS, "processor", processor, "stage", "publish");
        batchCommands = metrics.histogram("mizani_processor_batch_records", "Records per polled batch",
                Metrics.BATCH_SIZES, "processor", processor);
        commands = metrics.counter("mizani_processor_commands_total", "Commands decided", "processor", processor);
        events = metrics.counter("mizani_processor_events_total", "Events committed and published",
                "processor", processor);
        deadLetters = metrics.counter("mizani_processor_dead_letters_total", "Records dead-lettered",
                "processor", processor);
        rewound = metrics.counter("mizani_processor_rewound_batches_total",
                "Batches rewound after a database or broker failure and retried", "processor", processor);
        republished = metrics.counter("mizani_processor_republished_events_total",
                "Events committed before a stop and published again on taking over", "processor", processor);
        repeated = metrics.counter("mizani_processor_repeated_commands_total",
                "Commands found already applied (a derived command delivered again): not decided again",
                "processor", processor);
    }

    /**
     * Counts a committed event by its type, as {@code mizani_processor_event_types_total{processor,type}}: the
     * transfers handler's TransferCommitted is the hub's committed transfers. Registered at a type's first event.
     */
    void committed(Object domainEvent) {
        if (domainEvent == null) {
            return;
        }
        eventTypes.computeIfAbsent(domainEvent.getClass(), type -> metrics.counter("mizani_processor_event_types_total",
                "Events committed, by type", "processor", processor, "type", type.getSimpleName())).inc();
    }

    /** Series registered nowhere, for processors whose figures nobody scrapes (tests, benchmarks). */
    public static ProcessorMetrics unregistered(String processor) {
        return new ProcessorMetrics(new Metrics(), processor);
    }
}
