package dev.mizani.platform.eventstore;

import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * An event's store position on its Kafka record, and the position of the event a derived command came from on the
 * command's record: eight bytes, big-endian, in a header. The position is the event's forever, however often it is
 * published, so a command derived from it again is recognised by it (docs/decisions/012).
 */
public final class EventPositions {
    /** On a published event: its global position in the event store. */
    public static final String POSITION_HEADER = "mizani.position";
    /** On a derived command: the position of the event a policy derived it from. */
    public static final String SOURCE_HEADER = "mizani.source-position";
    /** No position: a record published before positions were, or produced by hand. */
    public static final long NONE = -1;

    private EventPositions() {}

    public static byte[] bytes(long position) {
        return ByteBuffer.allocate(Long.BYTES).putLong(position).array();
    }

    /** The headers of a command derived from the event at {@code source}: it, or none where that is {@link #NONE}. */
    public static RecordHeaders sourceHeaders(long source) {
        RecordHeaders headers = new RecordHeaders();
        if (source != NONE) {
            headers.add(SOURCE_HEADER, bytes(source));
        }
        return headers;
    }

    /** The position in header {@code name}, or {@link #NONE} where there is none (or it is not eight bytes). */
    public static long of(Headers headers, String name) {
        Header h = headers == null ? null : headers.lastHeader(name);
        if (h == null || h.value() == null || h.value().length != Long.BYTES) {
            return NONE;
        }
        long position = ByteBuffer.wrap(h.value()).getLong();
        return position > 0 ? position : NONE;
    }
}
