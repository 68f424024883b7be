package dev.mizani.platform.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 server on one selector thread whose handlers answer when they are ready, from any thread: a
 * request that waits for a Kafka acknowledgement holds no thread meanwhile. A blocking server on virtual
 * threads pays a poller registration and a carrier wake-up for every read and every wait; measured on the
 * FSPIOP gateway at 1,000 transfers/s, that was about 130 CPU-µs per request against the 30-odd µs of
 * {@link LoopHttp}'s client.
 *
 * <p>Strict about framing, because it faces the internet: a start line of {@code METHOD SP /target SP
 * HTTP/1.x}; header names of token characters; no control character in a value (HTAB aside), no bare CR or
 * LF, no obsolete line folding; one Content-Length, or {@code Transfer-Encoding: chunked}, never both (the
 * request-smuggling pair); HTTP/1.1 requests name a Host. What breaks a rule is refused with 400 (431 for a
 * head over its bound, 413 for a body over its bound, 501 for another transfer coding) and the connection
 * is closed, since what follows cannot be trusted to start a request. Refusals are rendered by the caller's
 * {@link Refusals}, so a client always gets the body its protocol expects.
 *
 * <p>One request at a time per connection: a pipelined request waits in the buffer until the one before it
 * is answered, so answers leave in order. Bounded everywhere: connections (accepting pauses at the bound),
 * the head and body of a request (so the memory a connection can hold), the time a request may take to arrive,
 * the time a handler may take to answer (then 503), and the time a connection may sit idle. Plain TCP only: TLS
 * stays with Helidon.
 */
public final class LoopServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoopServer.class);
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int INITIAL_BUFFER_BYTES = 4096;

    /**
     * @param connectionsMax   connections open at once; accepting pauses at the bound
     * @param headBytesMax     a request line and headers beyond this are refused with 431
     * @param bodyBytesMax     a body beyond this is refused with 413 before it is read
     * @param requestTimeoutMs a request must arrive whole within this of its first byte, else 408
     * @param answerTimeoutMs  a handler that has not answered within this gets a 503 sent for it
     * @param idleTimeoutMs    a kept-alive connection with nothing in flight is closed after this
     */
    public record Settings(String name, String host, int port, int connectionsMax, int headBytesMax, int bodyBytesMax,
                           long requestTimeoutMs, long answerTimeoutMs, long idleTimeoutMs) {}

    /** A whole request. Its headers map is case-insensitive, each name with its values in the order they came. */
    public record Request(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
        /** The first value of a header, by name in any case, or null. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.getFirst();
        }
    }

    /**
     * An answer: status, the Content-Type of its body (null without one), the body, and further headers. {@code written}
     * (or null) runs once the answer is written to the client's socket, or once it never will be (the connection
     * closed, the request was answered already): what must reach the client only after the answer waits on it.
     */
    public record Reply(int status, String contentType, byte[] body, Map<String, String> headers, Runnable written) {
        public Reply {
            body = body == null ? new byte[0] : body;
            headers = headers == null ? Map.of() : headers;
        }

        public Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
            this(status, contentType, body, headers, null);
        }

        /** This answer, running {@code then} once it is written (see {@link Reply}). */
        public Reply whenWritten(Runnable then) {
            return new Reply(status, contentType, body, headers, then);
        }

        /** Runs {@link #written}, if any. */
        public void ended() {
            if (written != null) {
                written.run();
            }
        }
    }

    /** Runs on the loop thread and must not block; answers through the exchange now or later, from any thread. */
    public interface Handler {
        void handle(Request request, Exchange exchange);
    }

    /** What the server answers itself: broken framing, bounds, timeouts, a handler that threw. */
    public interface Refusals {
        Reply refuse(int status, String reason);
    }

    /** One request's answer. The first reply counts; later ones (say, after the answer timeout) are dropped. */
    public interface Exchange {
        void reply(Reply reply);
    }

    private final Settings settings;
    private final Handler handler;
    private final Refusals refusals;
    private final Selector selector;
    private final ServerSocketChannel server;
    private final SelectionKey acceptKey;
    private final ConcurrentLinkedQueue<Answer> answered = new ConcurrentLinkedQueue<>();
    private final SelectorWakeup wakeup;
    private final Thread thread;
    private volatile boolean running = true;

    // loop-thread state
    private final List<Connection> connections = new ArrayList<>();
    private long nextScanNs;
    private long dateSecond = -1;
    private String date;

    public LoopServer(Settings settings, Handler handler, Refusals refusals) throws IOException {
        this.settings = settings;
        this.handler = handler;
        this.refusals = refusals;
        this.selector = Selector.open();
        this.wakeup = new SelectorWakeup(selector);
        this.server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(settings.host(), settings.port()), 1024);
        } catch (IOException e) {
            server.close();
            selector.close();
            throw new IOException("cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
        }
        server.configureBlocking(false);
        this.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = Thread.ofPlatform().name(settings.name()).daemon().start(this::run);
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    private record Answer(Connection connection, Pending pending, Reply reply) {}

    /** A request handed to the handler and not yet answered. */
    private final class Pending implements Exchange {
        final Connection connection;
        final boolean head;
        final long startedNs = System.nanoTime();
        final AtomicBoolean done = new AtomicBoolean();

        Pending(Connection connection, boolean head) {
            this.connection = connection;
            this.head = head;
        }

        @Override
        public void reply(Reply reply) {
            if (!done.compareAndSet(false, true)) {
                reply.ended();
                return;
            }
            if (Thread.currentThread() == thread) {
                connection.answer(this, reply);
                return;
            }
            answered.add(new Answer(connection, this, reply));
            wakeup.wake();
        }
    }

    private void run() {
        while (running) {
            try {
                wakeup.select(() -> !answered.isEmpty(), this::ready);
                for (Answer a; (a = answered.poll()) != null; ) {
                    a.connection().answer(a.pending(), a.reply());
                }
                long now = System.nanoTime();
                if (now - nextScanNs > 0) {
                    nextScanNs = now + 100_000_000L;
                    scan(now);
                }
            } catch (IOException | RuntimeException e) {
                log.error("{}: {}", thread.getName(), e.toString(), e);
            }
        }
        for (Connection c : List.copyOf(connections)) {
            c.close();
        }
        try {
            server.close();
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void ready(SelectionKey key) {
        if (key.isAcceptable()) {
            accept();
            return;
        }
        Connection c = (Connection) key.attachment();
        try {
            if (key.isValid() && key.isWritable()) {
                c.write();
            }
            if (key.isValid() && key.isReadable()) {
                c.read();
            }
        } catch (IOException | RuntimeException e) {
            c.close();
        }
    }

    private void accept() {
        try {
            for (SocketChannel ch; connections.size() < settings.connectionsMax() && (ch = server.accept()) != null; ) {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                connections.add(new Connection(ch));
            }
        } catch (IOException e) {
            log.warn("{}: accept failed: {}", thread.getName(), e.toString());
        }
        if (connections.size() >= settings.connectionsMax()) {
            acceptKey.interestOps(0); // the kernel's backlog holds the rest until a connection closes
        }
    }

    /** Answer timeouts, slow requests and idle connections. */
    private void scan(long now) {
        long answerNs = settings.answerTimeoutMs() * 1_000_000L;
        long requestNs = settings.requestTimeoutMs() * 1_000_000L;
        long idleNs = settings.idleTimeoutMs() * 1_000_000L;
        for (Connection c : List.copyOf(connections)) {
            if (c.draining) {
                if (now - c.drainStartNs > requestNs) {
                    c.close();
                }
            } else if (c.pending != null) {
                if (now - c.pending.startedNs > answerNs) {
                    c.pending.reply(refusals.refuse(503, "no answer within " + settings.answerTimeoutMs() + " ms"));
                }
            } else if (c.requestStartNs != 0) {
                if (now - c.requestStartNs > requestNs) {
                    c.refuse(408, "the request did not arrive whole within " + settings.requestTimeoutMs() + " ms");
                }
            } else if (c.out.isEmpty() && now - c.lastActiveNs > idleNs) {
                c.close();
            }
        }
    }

    /**
     * A connection's read buffer at most: one whole request and the start of the next. With the connection bound,
     * this bounds the memory clients can make the server hold.
     */
    private int bufferBytesMax() {
        return settings.headBytesMax() + settings.bodyBytesMax() + 8 * 1024;
    }

    private String date() {
        long second = System.currentTimeMillis() / 1000;
        if (second != dateSecond) {
            dateSecond = second;
            date = HttpDates.ofEpochSecond(second);
        }
        return date;
    }

    /** Thrown by the parser: the status to refuse with and why. The connection closes after the refusal. */
    private static final class Refused extends Exception {
        final int status;

        Refused(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    /** A client's connection: its bytes in, its answers out, at most one request with the handler. */
    private final class Connection {
        final SocketChannel channel;
        final SelectionKey key;
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        /** What runs once an answer in {@code out} is written ({@link Reply#written}); by the answer's buffer. */
        final java.util.IdentityHashMap<ByteBuffer, Runnable> whenWritten = new java.util.IdentityHashMap<>();
        ByteBuffer in = ByteBuffer.allocate(INITIAL_BUFFER_BYTES);
        Pending pending;
        boolean closeAfterWrites;
        boolean continueSent;
        boolean serving;
        boolean draining;
        long drainStartNs;
        long requestStartNs;
        long lastActiveNs = System.nanoTime();

        Connection(SocketChannel channel) throws IOException {
            this.channel = channel;
            this.key = channel.register(selector, SelectionKey.OP_READ, this);
        }

        void read() throws IOException {
            if (draining) {
                in.clear();
                if (channel.read(in) < 0) {
                    close();
                }
                return;
            }
            if (!in.hasRemaining()) {
                int bound = bufferBytesMax();
                if (in.capacity() >= bound) {
                    key.interestOps(key.interestOps() & ~SelectionKey.OP_READ); // a pipelining client waits its turn
                    return;
                }
                in = ByteBuffer.allocate(Math.min(bound, in.capacity() * 2)).put(in.flip());
            }
            int n = channel.read(in);
            if (n < 0) {
                if (pending == null && out.isEmpty()) {
                    close();
                } else {
                    closeAfterWrites = true; // the client half-closed: answer what it asked, then close
                    key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                }
                return;
            }
            lastActiveNs = System.nanoTime();
            if (requestStartNs == 0 && in.position() > 0) {
                requestStartNs = lastActiveNs;
            }
            serveBuffered();
        }

        /**
         * Hands over the whole requests in the buffer, one at a time: the next only once the one before it is
         * answered. A handler that answers at once is served its pipelined successors here, in a loop, not by
         * recursion.
         */
        void serveBuffered() {
            if (serving) {
                return;
            }
            serving = true;
            try {
                while (pending == null && !closeAfterWrites && key.isValid() && serveOne()) {
                    // the next pipelined request, if whole
                }
            } finally {
                serving = false;
            }
        }

        /** False when no whole request is there. */
        private boolean serveOne() {
            Parsed p;
            try {
                p = Parsed.from(in, settings.headBytesMax(), settings.bodyBytesMax());
            } catch (Refused r) {
                refuse(r.status, r.getMessage());
                return false;
            }
            if (p == null) {
                return false;
            }
            if (p.request == null) { // the head is whole, the body not yet: say go on if the client waits for that
                if (p.expectsContinue && !continueSent) {
                    continueSent = true;
                    queue(ByteBuffer.wrap(CONTINUE));
                }
                return false;
            }
            in.flip().position(p.length);
            in.compact();
            if (in.capacity() > INITIAL_BUFFER_BYTES && in.position() <= INITIAL_BUFFER_BYTES) {
                in = ByteBuffer.allocate(INITIAL_BUFFER_BYTES).put(in.flip()); // a large body's buffer is not kept
            }
            requestStartNs = in.position() > 0 ? System.nanoTime() : 0;
            continueSent = false;
            if (p.close) {
                closeAfterWrites = true;
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
            }
            Request r = new Request(p.method, p.path, p.query, p.headers, p.body);
            pending = new Pending(this, "HEAD".equals(p.method));
            try {
                handler.handle(r, pending);
            } catch (RuntimeException e) {
                log.warn("{}: handler failed for {} {}: {}", thread.getName(), p.method, p.path, e.toString(), e);
                pending.reply(refusals.refuse(500, "the server failed to handle the request"));
            }
            return true;
        }

        /** Refuses what cannot be parsed and closes once the refusal is written. */
        void refuse(int status, String reason) {
            closeAfterWrites = true;
            key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
            requestStartNs = 0;
            queue(ByteBuffer.wrap(render(refusals.refuse(status, reason), false, true)));
        }

        void answer(Pending p, Reply reply) {
            if (p != pending || !key.isValid()) {
                reply.ended(); // the connection closed meanwhile
                return;
            }
            pending = null;
            lastActiveNs = System.nanoTime();
            ByteBuffer bytes = ByteBuffer.wrap(render(reply, p.head, closeAfterWrites));
            if (reply.written() != null) {
                whenWritten.put(bytes, reply.written());
            }
            queue(bytes);
            serveBuffered();
        }

        byte[] render(Reply reply, boolean head, boolean close) {
            StringBuilder s = new StringBuilder(160)
                    .append("HTTP/1.1 ").append(reply.status()).append(' ').append(reason(reply.status()))
                    .append("\r\nDate: ").append(date())
                    .append("\r\nContent-Length: ").append(reply.body().length);
            if (reply.contentType() != null) {
                s.append("\r\nContent-Type: ").append(reply.contentType());
            }
            reply.headers().forEach((name, value) -> s.append("\r\n").append(name).append(": ").append(value));
            if (close) {
                s.append("\r\nConnection: close");
            }
            byte[] headBytes = s.append("\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
            if (head || reply.body().length == 0) {
                return headBytes;
            }
            byte[] bytes = java.util.Arrays.copyOf(headBytes, headBytes.length + reply.body().length);
            System.arraycopy(reply.body(), 0, bytes, headBytes.length, reply.body().length);
            return bytes;
        }

        void queue(ByteBuffer b) {
            out.add(b);
            if (out.size() == 1) {
                try {
                    write();
                } catch (IOException e) {
                    close();
                }
            }
        }

        void write() throws IOException {
            while (!out.isEmpty()) {
                ByteBuffer b = out.peek();
                channel.write(b);
                if (b.hasRemaining()) {
                    key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                    return;
                }
                Runnable written = whenWritten.remove(out.poll());
                if (written != null) {
                    written.run();
                }
            }
            key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
            if (closeAfterWrites && pending == null) {
                drain();
            } else if (!closeAfterWrites && (key.interestOps() & SelectionKey.OP_READ) == 0) {
                key.interestOps(key.interestOps() | SelectionKey.OP_READ); // room again after a full buffer
            }
        }

        /**
         * Closes gracefully: our side first, then whatever the client still sends is read and dropped until it
         * closes too (or {@code requestTimeoutMs} passes). Closing with unread bytes would send a reset, which
         * can destroy the answer before the client has read it.
         */
        void drain() {
            if (draining) {
                return;
            }
            draining = true;
            drainStartNs = System.nanoTime();
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                close();
                return;
            }
            in.clear();
            key.interestOps(SelectionKey.OP_READ);
        }

        void close() {
            if (!connections.remove(this)) {
                return;
            }
            key.cancel();
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
            if (pending != null) {
                pending.done.set(true);
            }
            whenWritten.values().forEach(Runnable::run); // never to be written: nothing waits on them any longer
            whenWritten.clear();
            if (running && acceptKey.isValid() && connections.size() < settings.connectionsMax()) {
                acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            }
        }
    }

    /**
     * The first request in a buffer: null while its head is incomplete; without {@code request} while its body
     * is; whole otherwise, with the number of bytes it took.
     */
    private static final class Parsed {
        String method;
        String path;
        String query;
        Map<String, List<String>> headers;
        byte[] body;
        boolean close;
        boolean expectsContinue;
        int length;
        Parsed request; // this, once the body is whole

        static Parsed from(ByteBuffer buffer, int headBytesMax, int bodyBytesMax) throws Refused {
            byte[] a = buffer.array();
            int limit = buffer.position();
            int headEnd = LoopHttp.Message.indexOf(a, 0, Math.min(limit, headBytesMax + 4), "\r\n\r\n");
            if (headEnd < 0) {
                if (limit >= headBytesMax + 4) {
                    throw new Refused(431, "request head larger than " + headBytesMax + " bytes");
                }
                return null;
            }
            Parsed p = new Parsed();
            String head = new String(a, 0, headEnd, StandardCharsets.ISO_8859_1);
            int lineEnd = head.indexOf("\r\n");
            String start = lineEnd < 0 ? head : head.substring(0, lineEnd);
            boolean http10 = p.startLine(start);
            p.headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER); // "Content-Length" and "content-length" are one header
            if (lineEnd >= 0) {
                for (String line : head.substring(lineEnd + 2).split("\r\n", -1)) {
                    p.header(line);
                }
            }
            long contentLength = -1;
            boolean chunked = false;
            String host = null;
            for (var e : p.headers.entrySet()) {
                String name = e.getKey().toLowerCase(Locale.ROOT);
                List<String> values = e.getValue();
                switch (name) {
                    case "content-length" -> contentLength = contentLength(values);
                    case "transfer-encoding" -> {
                        if (values.size() != 1 || !values.getFirst().equalsIgnoreCase("chunked")) {
                            throw new Refused(501, "only the chunked transfer coding is understood");
                        }
                        chunked = true;
                    }
                    case "connection" -> p.close = values.stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("close"));
                    case "expect" -> p.expectsContinue = values.getFirst().equalsIgnoreCase("100-continue");
                    case "host" -> {
                        if (values.size() != 1) {
                            throw new Refused(400, "more than one Host header");
                        }
                        host = values.getFirst();
                    }
                    default -> { }
                }
            }
            if (chunked && contentLength >= 0) {
                throw new Refused(400, "both Content-Length and Transfer-Encoding");
            }
            if (!http10 && host == null) {
                throw new Refused(400, "an HTTP/1.1 request without a Host header");
            }
            p.close |= http10;
            if (contentLength > bodyBytesMax) {
                throw new Refused(413, "a body of " + contentLength + " bytes, more than " + bodyBytesMax);
            }
            int bodyStart = headEnd + 4;
            if (chunked) {
                return p.chunked(a, bodyStart, limit, bodyBytesMax);
            }
            int n = (int) Math.max(0, contentLength);
            if (bodyStart + n > limit) {
                return p;
            }
            p.body = java.util.Arrays.copyOfRange(a, bodyStart, bodyStart + n);
            p.length = bodyStart + n;
            p.request = p;
            return p;
        }

        /** Method, target and version; true for HTTP/1.0. */
        private boolean startLine(String line) throws Refused {
            String[] parts = line.split(" ", -1);
            if (parts.length == 3 && (parts[1].startsWith("http://") || parts[1].startsWith("https://"))) {
                int slash = parts[1].indexOf('/', parts[1].indexOf("://") + 3); // absolute-form: the path is what counts
                parts[1] = slash < 0 ? "/" : parts[1].substring(slash);
            }
            if (parts.length != 3 || parts[0].isEmpty() || !token(parts[0]) || !parts[1].startsWith("/")) {
                throw new Refused(400, "malformed request line");
            }
            for (int i = 0; i < parts[1].length(); i++) {
                char ch = parts[1].charAt(i);
                if (ch <= ' ' || ch >= 0x7f) {
                    throw new Refused(400, "malformed request target");
                }
            }
            method = parts[0];
            int q = parts[1].indexOf('?');
            path = q < 0 ? parts[1] : parts[1].substring(0, q);
            query = q < 0 ? null : parts[1].substring(q + 1);
            return switch (parts[2]) {
                case "HTTP/1.1" -> false;
                case "HTTP/1.0" -> true;
                default -> throw new Refused(400, "unsupported protocol version " + abbreviate(parts[2]));
            };
        }

        private void header(String line) throws Refused {
            if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new Refused(400, "obsolete line folding or an empty header line");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !token(line.substring(0, colon))) {
                throw new Refused(400, "malformed header line");
            }
            String value = trimSpaces(line.substring(colon + 1));
            for (int i = 0; i < value.length(); i++) {
                char ch = value.charAt(i);
                if ((ch < ' ' && ch != '\t') || ch == 0x7f) {
                    throw new Refused(400, "header " + abbreviate(line.substring(0, colon)) + " contains a control character");
                }
            }
            headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>(1)).add(value);
        }

        /** Only SP and HTAB are optional whitespace; other control characters stay, to be refused. */
        private static String trimSpaces(String s) {
            int from = 0;
            int to = s.length();
            while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
                from++;
            }
            while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
                to--;
            }
            return s.substring(from, to);
        }

        private static long contentLength(List<String> values) throws Refused {
            long length = -1;
            for (String v : values) {
                for (String part : v.split(",", -1)) {
                    String digits = trimSpaces(part);
                    if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                        throw new Refused(400, "malformed Content-Length");
                    }
                    long n = Long.parseLong(digits);
                    if (length >= 0 && n != length) {
                        throw new Refused(400, "conflicting Content-Length values");
                    }
                    length = n;
                }
            }
            return length;
        }

        private Parsed chunked(byte[] a, int at, int limit, int bodyBytesMax) throws Refused {
            var decoded = new java.io.ByteArrayOutputStream();
            while (true) {
                int lineEnd = LoopHttp.Message.indexOf(a, at, limit, "\r\n");
                if (lineEnd < 0) {
                    if (limit - at > 64) {
                        throw new Refused(400, "malformed chunk size");
                    }
                    return this;
                }
                String line = new String(a, at, lineEnd - at, StandardCharsets.ISO_8859_1);
                int semicolon = line.indexOf(';');
                String size = (semicolon < 0 ? line : line.substring(0, semicolon)).strip();
                if (size.isEmpty() || size.length() > 7 || !size.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
                    throw new Refused(400, "malformed chunk size");
                }
                int n = Integer.parseInt(size, 16);
                if (decoded.size() + n > bodyBytesMax) {
                    throw new Refused(413, "a chunked body larger than " + bodyBytesMax + " bytes");
                }
                if (n == 0) {
                    int trailerEnd = LoopHttp.Message.indexOf(a, lineEnd, limit, "\r\n\r\n");
                    if (trailerEnd < 0) {
                        return this;
                    }
                    length = trailerEnd + 4;
                    break;
                }
                if (lineEnd + 2 + n + 2 > limit) {
                    return this;
                }
                if (a[lineEnd + 2 + n] != '\r' || a[lineEnd + 3 + n] != '\n') {
                    throw new Refused(400, "a chunk longer than its size");
                }
                decoded.write(a, lineEnd + 2, n);
                at = lineEnd + 2 + n + 2;
            }
            body = decoded.toByteArray();
            request = this;
            return this;
        }

        private static boolean token(String s) {
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                if (ch <= ' ' || ch >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(ch) >= 0) {
                    return false;
                }
            }
            return !s.isEmpty();
        }

        private static String abbreviate(String s) {
            return s.length() <= 40 ? s : s.substring(0, 40) + "...";
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status " + status;
        };
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        selector.wakeup();
        thread.join(5_000);
    }
}
