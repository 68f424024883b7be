package dev.mizani.schemas;

import dev.mizani.schemas.participant.TransferFacts;
import java.util.List;

/**
 * What a participants.events payload states, fact by fact: the facts a {@link TransferFacts} lists, in order, or
 * the event itself. A reader that handles the single facts reads the packed ones through this.
 */
public final class ParticipantFacts {
    private ParticipantFacts() {}

    /** The full name of the packed event's Avro record, for readers that pick event types by name. */
    public static final String PACKED = TransferFacts.getClassSchema().getFullName();

    public static List<?> of(Object payload) {
        return payload instanceof TransferFacts packed ? packed.getFacts() : List.of(payload);
    }
}
