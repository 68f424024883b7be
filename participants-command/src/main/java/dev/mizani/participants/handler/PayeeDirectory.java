package dev.mizani.participants.handler;

import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.schemas.participant.CurrencyAdded;
import dev.mizani.schemas.participant.ParticipantActiveSet;
import dev.mizani.schemas.participant.ParticipantCreated;
import dev.mizani.schemas.participant.ParticipantEventEnvelope;
import dev.mizani.schemas.participant.ReservePayerFunds;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every participant's existence, activity and currencies, folded from its event stream: the payee facts a
 * reservation needs, since a payer's aggregate cannot read its payee's. It trails the payee's own stream.
 * Each participant's entry keeps the stream version it last applied, and an event at or below it changes
 * nothing: events come again (a handler republishes after a crash, an applied command's outcome is published
 * again when the command repeats) and must not take the view back to an older state. Bounded by the number of
 * participants, a few hundred DFSPs.
 */
public final class PayeeDirectory {
    private record Entry(long version, boolean known, boolean active, Set<String> currencies) {}

    private static final Entry NONE = new Entry(0, false, false, Set.of());

    private final Map<String, Entry> participants = new ConcurrentHashMap<>();

    public PayeeFacts payee(ReservePayerFunds reserve) {
        Entry e = participants.getOrDefault(reserve.getPayeeFsp(), NONE);
        return new PayeeFacts(e.known(), e.active(), e.currencies().contains(reserve.getCurrency()));
    }

    /**
     * The event types that change what the directory knows of a payee. Its readers pass over every other one without
     * decoding it: the reservations and commits that make up nearly all of participants.events.
     */
    public static final Set<String> READS = Set.of(ParticipantCreated.getClassSchema().getFullName(),
            CurrencyAdded.getClassSchema().getFullName(), ParticipantActiveSet.getClassSchema().getFullName());

    /** Applies one event of a participant's stream, once, in stream order. */
    public void apply(ParticipantEventEnvelope envelope) {
        String participant = envelope.getMetadata().getStreamId();
        long version = envelope.getMetadata().getVersion();
        participants.compute(participant.substring(participant.indexOf('-') + 1), (name, before) -> {
            Entry e = before == null ? NONE : before;
            if (version <= e.version()) {
                return before;
            }
            return switch (envelope.getPayload()) {
                case ParticipantCreated c -> new Entry(version, true, true, Set.of());
                case CurrencyAdded c -> new Entry(version, e.known(), e.active(), union(e.currencies(), c.getCurrency()));
                case ParticipantActiveSet c -> new Entry(version, e.known(), c.getActive(), e.currencies());
                default -> new Entry(version, e.known(), e.active(), e.currencies());
            };
        });
    }

    private static Set<String> union(Set<String> set, String added) {
        Set<String> copy = new HashSet<>(set);
        copy.add(added);
        return Set.copyOf(copy);
    }
}
