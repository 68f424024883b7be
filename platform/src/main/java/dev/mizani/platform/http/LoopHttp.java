package dev.mizani.platform.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 on one thread, the way wrk and h2load drive load: a selector loop that keeps up to
 * {@code connectionsPerOrigin} kept-alive connections to each origin it is asked to call (one request at a time on
 * each, queued while all are busy), and optionally serves requests on its own port, answering each 200 without a
 * body once its handler has returned. Blocking clients and servers on virtual threads cost a poller registration
 * and a carrier wake-up per read; here one {@code epoll_wait} returns whatever is ready. The load test's simulated
 * DFSPs use it both ways; the hub's callback notifier uses its client for {@code http} endpoints.
 *
 * <p>Enough HTTP/1.1 for FSPIOP traffic: bodies by Content-Length or chunked, keep-alive and
 * {@code Connection: close}, pipelined requests on the server side. A response without either length header is
 * taken as bodiless. Plain TCP only: {@code https} is not spoken here. Every request ends within {@code timeoutMs}
 * of being sent, waiting for a connection included, with a response or a failure. A request that a reused
 * connection lost before any byte of its answer came back (the server had closed it while idle) is sent again
 * once on another connection, as browsers do. Handlers and response callbacks run on the loop thread and must
 * not block.
 */
public final class LoopHttp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoopHttp.class);
    /** A message's head or body beyond this is a protocol error: the connection is closed. */
    public static final int MESSAGE_BYTES_MAX = 1 << 20;
    private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FAILED = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    /** A request the server received, whole. Runs on the loop thread. */
    public interface Handler {
        void handle(String method, String path, byte[] body);
    }

    /** The answer to a client request: its status and body, or a failure (status -1) when none came. */
    public interface Response {
        void completed(int status, byte[] body, String failure);
    }

    /** Where requests go: the address, resolved by whoever made this, and the Host header that names it. */
    public record Origin(InetSocketAddress address, String host) {
        /** An {@code http://host[:port]} URI's origin; the name is resolved here, on the calling thread. */
        public static Origin of(URI uri) {
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http URI with a host: " + uri);
            }
            int port = uri.getPort() < 0 ? 80 : uri.getPort();
            var address = new InetSocketAddress(uri.getHost(), port);
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("unknown host " + uri.getHost());
            }
            return new Origin(address, uri.getHost() + ":" + port);
        }
    }

    private static final class Request {
        final Origin origin;
        final byte[] bytes;
        final Response response;
        final long sentNs;
        boolean resent;

        Request(Origin origin, byte[] bytes, Response response, long sentNs) {
            this.origin = origin;
            this.bytes = bytes;
            this.response = response;
            this.sentNs = sentNs;
        }
    }

    /** The connections to one origin and the requests waiting for one of them. Loop-thread state. */
    private final class Pool {
        final Origin origin;
        final ArrayDeque<Request> waiting = new ArrayDeque<>();
        final ArrayDeque<Client> idle = new ArrayDeque<>();
        int open;

        Pool(Origin origin) {
            this.origin = origin;
        }
    }

    private final Selector selector;
    private final ServerSocketChannel server;
    private final Origin defaultOrigin;
    private final int connectionsPerOrigin;
    private final long timeoutNs;
    private final Handler handler;
    private final ConcurrentLinkedQueue<Request> submitted = new ConcurrentLinkedQueue<>();
    private final SelectorWakeup wakeup;
    private final Thread thread;
    private volatile boolean running = true;

    // loop-thread state
    private final Map<Origin, Pool> pools = new HashMap<>();
    private final Set<Pool> wanting = new LinkedHashSet<>();
    private final List<Client> clients = new ArrayList<>();
    private long nextTimeoutScanNs;

    /**
     * @param name the loop thread's name
     * @param defaultOrigin where {@link #send(String, String, String, byte[], Response)} sends; null if unused
     * @param bindHost the address the server listens on, on an ephemeral port; null for a client only
     */
    public LoopHttp(String name, URI defaultOrigin, int connectionsPerOrigin, long timeoutMs, String bindHost,
                    Handler handler) throws IOException {
        this.defaultOrigin = defaultOrigin == null ? null : Origin.of(defaultOrigin);
        this.connectionsPerOrigin = connectionsPerOrigin;
        this.timeoutNs = timeoutMs * 1_000_000L;
        this.handler = handler;
        this.selector = Selector.open();
        this.wakeup = new SelectorWakeup(selector);
        this.server = bindHost == null ? null : ServerSocketChannel.open();
        if (server != null) {
            server.bind(new InetSocketAddress(bindHost, 0), 8192);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        }
        this.thread = Thread.ofPlatform().name(name).daemon().start(this::run);
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    /** {@link #send(Origin, String, String, String, byte[], Response)} to the default origin. */
    public void send(String method, String path, String headers, byte[] body, Response response) {
        send(defaultOrigin, method, path, headers, body, response);
    }

    /**
     * Queues a request; thread-safe and never blocks. {@code headers} are whole lines ({@code "Name: value\r\n"});
     * Host and Content-Length are added here.
     */
    public void send(Origin origin, String method, String path, String headers, byte[] body, Response response) {
        byte[] head = (method + " " + path + " HTTP/1.1\r\nHost: " + origin.host() + "\r\n" + headers
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] bytes = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, bytes, head.length, body.length);
        submitted.add(new Request(origin, bytes, response, System.nanoTime()));
        if (Thread.currentThread() != thread) {
            wakeup.wake();
        }
    }

    private void run() {
        while (running) {
            try {
                wakeup.select(() -> !submitted.isEmpty(), this::ready);
                for (Request r; (r = submitted.poll()) != null; ) {
                    enqueue(r);
                }
                dispatch();
                long now = System.nanoTime();
                if (now - nextTimeoutScanNs > 0) {
                    nextTimeoutScanNs = now + 1_000_000_000L;
                    failOverdue(now);
                }
            } catch (IOException | RuntimeException e) {
                log.error("{}: {}", thread.getName(), e.toString(), e);
            }
        }
        for (Client c : List.copyOf(clients)) {
            c.fail("closed");
        }
        for (Pool p : pools.values()) {
            for (Request r; (r = p.waiting.poll()) != null; ) {
                complete(r, -1, null, "closed");
            }
        }
        for (Request r; (r = submitted.poll()) != null; ) {
            complete(r, -1, null, "closed");
        }
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void enqueue(Request r) {
        Pool p = pools.computeIfAbsent(r.origin, Pool::new);
        p.waiting.add(r);
        wanting.add(p);
    }

    private void failOverdue(long now) {
        String reason = "timed out after " + timeoutNs / 1_000_000 + " ms";
        for (Client c : List.copyOf(clients)) {
            if (c.current != null && now - c.current.sentNs > timeoutNs) {
                c.fail(reason);
            }
        }
        for (Pool p : pools.values()) {
            while (!p.waiting.isEmpty() && now - p.waiting.peek().sentNs > timeoutNs) {
                complete(p.waiting.poll(), -1, null, reason + " waiting for a connection to " + p.origin.host());
            }
        }
        // an origin with nothing open and nothing waiting is forgotten, so pools do not pile up
        pools.values().removeIf(p -> p.open == 0 && p.waiting.isEmpty());
    }

    private static SocketChannel nonBlocking(SocketChannel ch) throws IOException {
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return ch;
    }

    /** A response callback that throws must not take the loop's other connections with it. */
    private static void complete(Request r, int status, byte[] body, String failure) {
        try {
            r.response.completed(status, body, failure);
        } catch (RuntimeException e) {
            log.warn("loop-http: response callback failed: {}", e.toString(), e);
        }
    }

    private void ready(SelectionKey key) {
        try {
            if (key.isAcceptable()) {
                SocketChannel ch = server.accept();
                if (ch != null) {
                    new Served(nonBlocking(ch));
                }
                return;
            }
            Connection c = (Connection) key.attachment();
            if (key.isConnectable()) {
                ((Client) c).connected();
            }
            if (key.isValid() && key.isWritable()) {
                c.write();
            }
            if (key.isValid() && key.isReadable()) {
                c.read();
            }
        } catch (IOException | RuntimeException e) {
            if (key.attachment() instanceof Connection c) {
                c.fail(e.toString());
            }
        }
    }

    /** Hands waiting requests to idle connections, opening new ones up to each origin's bound. */
    private void dispatch() {
        for (var it = wanting.iterator(); it.hasNext(); ) {
            Pool p = it.next();
            while (!p.waiting.isEmpty()) {
                Client c = p.idle.pollFirst();
                if (c == null) {
                    if (p.open >= connectionsPerOrigin) {
                        break;
                    }
                    try {
                        c = new Client(p);
                    } catch (IOException | RuntimeException e) {
                        complete(p.waiting.poll(), -1, null, "connect: " + e);
                        continue;
                    }
                }
                c.start(p.waiting.poll());
            }
            if (p.waiting.isEmpty()) {
                it.remove();
            }
        }
    }

    /** One end of a TCP connection: a read buffer, parsed by the subclass, and queued writes. */
    private abstract class Connection {
        final SocketChannel channel;
        final SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(8192);
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();

        Connection(SocketChannel channel, int ops) throws IOException {
            this.channel = channel;
            this.key = channel.register(selector, ops, this);
        }

        void write() throws IOException {
            while (!out.isEmpty()) {
                ByteBuffer b = out.peek();
                channel.write(b);
                if (b.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
                out.poll();
            }
            key.interestOps(SelectionKey.OP_READ);
            afterWrites();
        }

        void afterWrites() throws IOException {}

        void queue(byte[] bytes) throws IOException {
            out.add(ByteBuffer.wrap(bytes));
            if (out.size() == 1) {
                write();
            }
        }

        void read() throws IOException {
            if (!in.hasRemaining()) {
                if (in.capacity() >= 2 * MESSAGE_BYTES_MAX) {
                    throw new IOException("message larger than " + MESSAGE_BYTES_MAX + " bytes");
                }
                in = ByteBuffer.allocate(in.capacity() * 2).put(in.flip());
            }
            int n = channel.read(in);
            if (n < 0) {
                fail("connection closed by the peer");
                return;
            }
            Message m;
            while ((m = Message.parse(in)) != null) {
                // drop the message's bytes, keep what follows (a pipelined request)
                in.flip().position(m.length());
                in.compact();
                if (!received(m)) {
                    return;
                }
            }
        }

        /** False when the connection is done with. */
        abstract boolean received(Message m) throws IOException;

        abstract void fail(String reason);

        void close() {
            key.cancel();
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
        }
    }

    /** A connection to an origin, one request at a time. */
    private final class Client extends Connection {
        final Pool pool;
        Request current;
        int answered;
        boolean connecting;

        Client(Pool pool) throws IOException {
            super(nonBlocking(SocketChannel.open()), 0);
            this.pool = pool;
            try {
                connecting = !channel.connect(pool.origin.address());
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
            key.interestOps(connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_READ);
            pool.open++;
            clients.add(this);
        }

        void start(Request r) {
            current = r;
            out.add(ByteBuffer.wrap(r.bytes));
            if (!connecting) {
                try {
                    write();
                } catch (IOException e) {
                    fail(e.toString());
                }
            }
        }

        void connected() throws IOException {
            channel.finishConnect();
            connecting = false;
            key.interestOps(SelectionKey.OP_READ);
            write();
        }

        @Override
        boolean received(Message m) {
            Request r = current;
            if (r == null) {
                fail("a response nobody asked for");
                return false;
            }
            current = null;
            answered++;
            if (m.close()) {
                forget();
            } else {
                pool.idle.addLast(this);
                if (!pool.waiting.isEmpty()) {
                    wanting.add(pool);
                }
            }
            complete(r, m.status(), m.body(), null);
            return !m.close();
        }

        @Override
        void fail(String reason) {
            if (!clients.contains(this)) {
                return;
            }
            Request r = current;
            current = null;
            forget();
            if (r == null) {
                return;
            }
            if (answered > 0 && in.position() == 0 && !r.resent) {
                // the server closed this kept-alive connection while it was idle: nothing of the answer came back
                r.resent = true;
                enqueue(r);
            } else {
                complete(r, -1, null, reason);
            }
        }

        private void forget() {
            clients.remove(this);
            pool.idle.remove(this);
            pool.open--;
            close();
            if (!pool.waiting.isEmpty()) {
                wanting.add(pool);
            }
        }
    }

    /** A connection a client opened to this loop's server. */
    private final class Served extends Connection {
        boolean closeAfter;

        Served(SocketChannel channel) throws IOException {
            super(channel, SelectionKey.OP_READ);
        }

        @Override
        boolean received(Message m) throws IOException {
            boolean handled;
            try {
                handler.handle(m.method(), m.path(), m.body());
                handled = true;
            } catch (RuntimeException e) {
                log.warn("loop-http: handler failed for {} {}: {}", m.method(), m.path(), e.toString());
                handled = false;
            }
            closeAfter = m.close();
            queue(handled ? OK : FAILED);
            return !closeAfter;
        }

        @Override
        void afterWrites() {
            if (closeAfter) {
                close();
            }
        }

        @Override
        void fail(String reason) {
            close();
        }
    }

    /**
     * One parsed request or response: its head's fields and body, and its length in the buffer.
     * {@code status} is 0 for a request; {@code method} and {@code path} are null for a response.
     */
    public record Message(String method, String path, int status, boolean close, byte[] body, int length) {

        /** The first whole message in {@code buffer}'s written part, or null while it is incomplete. */
        public static Message parse(ByteBuffer buffer) throws IOException {
            byte[] a = buffer.array();
            int limit = buffer.position();
            int headEnd = indexOf(a, 0, limit, "\r\n\r\n");
            if (headEnd < 0) {
                if (limit > MESSAGE_BYTES_MAX) {
                    throw new IOException("message head larger than " + MESSAGE_BYTES_MAX + " bytes");
                }
                return null;
            }
            String[] lines = new String(a, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] first = lines[0].split(" ", 3);
            if (first.length < 2) {
                throw new IOException("malformed start line: " + lines[0]);
            }
            boolean response = first[0].startsWith("HTTP/");
            long contentLength = -1;
            boolean chunked = false;
            boolean close = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> close = value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            if (contentLength > MESSAGE_BYTES_MAX) {
                throw new IOException("body of " + contentLength + " bytes, more than " + MESSAGE_BYTES_MAX);
            }
            int bodyStart = headEnd + 4;
            byte[] body;
            int end;
            if (chunked) {
                var decoded = new java.io.ByteArrayOutputStream();
                int at = bodyStart;
                while (true) {
                    int lineEnd = indexOf(a, at, limit, "\r\n");
                    if (lineEnd < 0) {
                        return null;
                    }
                    String size = new String(a, at, lineEnd - at, StandardCharsets.ISO_8859_1);
                    int semicolon = size.indexOf(';');
                    int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (n == 0) {
                        int trailerEnd = indexOf(a, lineEnd, limit, "\r\n\r\n");
                        if (trailerEnd < 0) {
                            return null;
                        }
                        end = trailerEnd + 4;
                        break;
                    }
                    if (decoded.size() + n > MESSAGE_BYTES_MAX) {
                        throw new IOException("chunked body larger than " + MESSAGE_BYTES_MAX + " bytes");
                    }
                    if (lineEnd + 2 + n + 2 > limit) {
                        return null;
                    }
                    decoded.write(a, lineEnd + 2, n);
                    at = lineEnd + 2 + n + 2;
                }
                body = decoded.toByteArray();
            } else {
                int n = (int) Math.max(0, contentLength);
                if (bodyStart + n > limit) {
                    return null;
                }
                body = Arrays.copyOfRange(a, bodyStart, bodyStart + n);
                end = bodyStart + n;
            }
            if (response) {
                return new Message(null, null, Integer.parseInt(first[1]), close, body, end);
            }
            return new Message(first[0], first[1], 0, close, body, end);
        }

        static int indexOf(byte[] a, int from, int to, String ascii) {
            outer:
            for (int i = from; i <= to - ascii.length(); i++) {
                for (int j = 0; j < ascii.length(); j++) {
                    if (a[i + j] != ascii.charAt(j)) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        selector.wakeup();
        thread.join(5_000);
        try {
            if (server != null) {
                server.close();
            }
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
