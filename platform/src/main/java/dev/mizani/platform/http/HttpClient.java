package dev.mizani.platform.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * An HTTP/1.1 client on Netty: kept-alive connections, up to {@code connectionsPerOrigin} per scheme, host and
 * port, on one event-loop thread, so a request waiting for its answer holds no thread. {@code https} origins are
 * called over TLS with the given context (its key is the client's certificate, its trust the servers'), the
 * server's name checked against its certificate.
 *
 * <p>Every request ends within {@code timeoutMs} (and a tenth of a second) of being sent, waiting for a connection
 * included, with an
 * answer or a failure. A request that a reused connection lost before any byte of its answer came back (the
 * server had closed it while idle) is sent again once on another connection, as browsers do. Answers run on the
 * event-loop thread and must not block.
 */
public final class HttpClient implements AutoCloseable {
    /** An answer's head or body beyond this is a protocol error: the connection is closed, the request failed. */
    public static final int MESSAGE_BYTES_MAX = 1 << 20;
    private static final int ORIGINS_MAX = 1024;
    private static final AttributeKey<Call> CALL = AttributeKey.valueOf("mizani.call");
    private static final AttributeKey<Boolean> USED = AttributeKey.valueOf("mizani.used");

    /** The answer to a request: its status and body, or a failure (status -1) when none came. */
    public interface Response {
        void completed(int status, byte[] body, String failure);
    }

    /** Where requests go: scheme, the address (resolved by whoever made this) and the Host header that names it. */
    public record Origin(boolean tls, InetSocketAddress address, String host) {
        /** An {@code http://} or {@code https://} URI's origin; the name is resolved here, on the calling thread. */
        public static Origin of(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http or https URI with a host: " + uri);
            }
            boolean tls = scheme.equals("https");
            int port = uri.getPort() < 0 ? (tls ? 443 : 80) : uri.getPort();
            var address = new InetSocketAddress(uri.getHost(), port);
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("unknown host " + uri.getHost());
            }
            return new Origin(tls, address, uri.getHost() + ":" + port);
        }
    }

    private final EventLoopGroup group;
    private final io.netty.channel.EventLoop loop;
    /** The requests started and not yet seen ended by {@link #expire()}, oldest first. The loop's. */
    private final ArrayDeque<Call> started = new ArrayDeque<>();
    private final Bootstrap bootstrap;
    private final int connectionsPerOrigin;
    private final long timeoutMs;
    private final SSLContext tls;
    /** The loop's: touched on it only. */
    private final Map<Origin, Pool> pools = new HashMap<>();

    /**
     * @param tls the context {@code https} origins are called with; null refuses them
     */
    public HttpClient(String name, int connectionsPerOrigin, long timeoutMs, SSLContext tls) {
        this.connectionsPerOrigin = connectionsPerOrigin;
        this.timeoutMs = timeoutMs;
        this.tls = tls;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, true), Transport.ioHandlers());
        this.loop = group.next();
        loop.scheduleAtFixedRate(this::expire, 100, 100, TimeUnit.MILLISECONDS);
        this.bootstrap = new Bootstrap().group(group).channel(Transport.clientChannel())
                .resolver(io.netty.resolver.NoopAddressResolverGroup.INSTANCE) // resolved by Origin.of, off the loop
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeoutMs, 10_000));
    }

    /** {@link #send(Origin, String, String, Map, byte[], Response)} to a URI's origin and target. */
    public void send(URI uri, String method, Map<String, String> headers, byte[] body, Response response) {
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        send(Origin.of(uri), method, target, headers, body, response);
    }

    /**
     * Sends a request; thread-safe and never blocks. Host and Content-Length are added here; a header value with a
     * line break is refused (IllegalArgumentException) before anything is sent.
     */
    public void send(Origin origin, String method, String target, Map<String, String> headers, byte[] body,
                     Response response) {
        if (origin.tls() && tls == null) {
            throw new IllegalArgumentException("this client has no TLS context for " + origin.host());
        }
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), target,
                Unpooled.wrappedBuffer(body));
        request.headers().set(HttpHeaderNames.HOST, origin.host());
        headers.forEach(request.headers()::set);
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        Call call = new Call(origin, request, response);
        if (loop.inEventLoop()) {
            start(call);
        } else {
            loop.execute(() -> start(call)); // one hand-over to the loop: the timer and the pool are the loop's
        }
    }

    private void start(Call call) {
        call.startedNs = System.nanoTime();
        started.add(call);
        pool(call.origin).acquire(call);
    }

    /**
     * Every tenth of a second, on the loop: fails the requests sent more than {@code timeoutMs} ago that have not
     * ended. They all have the same timeout, so the oldest are first in {@link #started}; a timer per request cost
     * a task in the loop's queue to add and another to cancel.
     */
    private void expire() {
        long now = System.nanoTime();
        for (Call call; (call = started.peek()) != null; ) {
            if (call.done.get()) {
                started.poll();
            } else if (now - call.startedNs >= timeoutMs * 1_000_000L) {
                started.poll();
                call.fail("no answer within " + timeoutMs + " ms");
            } else {
                return;
            }
        }
    }

    /**
     * An origin's connections, on the loop: idle ones kept alive, how many are open, and the requests waiting for one.
     * Netty's FixedChannelPool did this with a promise and a listener per step; measured against the selector client
     * it cost a third more CPU per request (decision 011), so the loop keeps these three fields itself.
     */
    private final class Pool {
        final Origin origin;
        final Bootstrap bootstrap;
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        final ArrayDeque<Call> waiting = new ArrayDeque<>();
        int open;

        Pool(Origin origin) {
            this.origin = origin;
            this.bootstrap = HttpClient.this.bootstrap.clone().remoteAddress(origin.address())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (origin.tls()) {
                                ch.pipeline().addLast("tls", new SslHandler(engine(origin)));
                            }
                            ch.pipeline().addLast("answering", new Answering());
                            ch.pipeline().addLast("codec", new HttpClientCodec());
                            ch.pipeline().addLast("aggregator", new HttpObjectAggregator(MESSAGE_BYTES_MAX));
                            ch.pipeline().addLast("answers", new Answers(Pool.this));
                        }
                    });
        }

        /** On the loop: an idle connection, a new one within the bound, or a place in the queue. */
        void acquire(Call call) {
            for (Channel ch; (ch = idle.pollLast()) != null; ) {
                if (ch.isActive()) {
                    dispatch(ch, call);
                    return;
                }
            }
            if (open < connectionsPerOrigin) {
                connect(call);
            } else {
                waiting.add(call);
            }
        }

        private void connect(Call call) {
            open++;
            bootstrap.connect().addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    open--;
                    call.fail("cannot connect to " + origin.host() + ": " + rootCause(f.cause()));
                    next();
                    return;
                }
                f.channel().closeFuture().addListener(c -> {
                    open--;
                    idle.remove(f.channel());
                    next();
                });
                dispatch(f.channel(), call);
            });
        }

        /** A connection is free again: the next waiting request takes it, else it waits idle. */
        void release(Channel ch) {
            for (Call call; (call = waiting.poll()) != null; ) {
                if (!call.done.get()) {
                    dispatch(ch, call);
                    return;
                }
            }
            idle.add(ch);
        }

        /** A connection closed or never opened: a waiting request may open another. */
        private void next() {
            for (Call call; open < connectionsPerOrigin && (call = waiting.poll()) != null; ) {
                if (!call.done.get()) {
                    connect(call);
                }
            }
        }

        private void dispatch(Channel ch, Call call) {
            if (call.done.get()) {
                release(ch);
                return;
            }
            call.channel = ch;
            call.reused = ch.attr(USED).getAndSet(Boolean.TRUE) != null;
            ch.attr(CALL).set(call);
            ch.writeAndFlush(call.request.retainedDuplicate()).addListener(w -> {
                if (!w.isSuccess()) {
                    ch.close(); // the channel's end decides: sent again, or failed
                }
            });
        }
    }

    /** On the loop. */
    private Pool pool(Origin origin) {
        Pool pool = pools.get(origin);
        if (pool == null) {
            if (pools.size() >= ORIGINS_MAX) { // idle connections to origins no longer called: let them go
                pools.values().forEach(p -> p.idle.forEach(Channel::close));
                pools.clear();
            }
            pool = new Pool(origin);
            pools.put(origin, pool);
        }
        return pool;
    }

    private SSLEngine engine(Origin o) {
        SSLEngine engine = tls.createSSLEngine(o.address().getHostString(), o.address().getPort());
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** Before the decoder: notes that bytes of an answer came, so a lost request is not sent twice. */
    private static final class Answering extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Call call = ctx.channel().attr(CALL).get();
            if (call != null) {
                call.answering = true;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** The end of each request on a connection: its answer, or the connection's end. */
    private final class Answers extends ChannelInboundHandlerAdapter {
        private final Pool pool;

        Answers(Pool pool) {
            this.pool = pool;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            FullHttpResponse response = (FullHttpResponse) msg;
            try {
                Call call = ctx.channel().attr(CALL).getAndSet(null);
                if (call == null) {
                    ctx.close(); // an answer to nothing asked: the connection cannot be trusted
                    return;
                }
                if (HttpUtil.isKeepAlive(response)) {
                    pool.release(ctx.channel());
                } else {
                    ctx.close();
                }
                byte[] body = ByteBufUtil.getBytes(response.content());
                call.complete(response.status().code(), body);
            } finally {
                response.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Call call = ctx.channel().attr(CALL).getAndSet(null);
            if (call != null) {
                if (call.reused && !call.answering && !call.resent && !call.done.get()) {
                    call.resent = true; // the server closed it while idle, before reading this: once more, elsewhere
                    call.reused = false;
                    call.channel = null;
                    pool.acquire(call);
                } else {
                    call.fail("the connection to " + pool.origin.host() + " closed before the answer");
                }
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Call call = ctx.channel().attr(CALL).get();
            if (call != null) {
                call.failure = rootCause(cause);
            }
            ctx.close();
        }
    }

    /** One request, from its sending to its one ending. */
    private static final class Call {
        final Origin origin;
        final FullHttpRequest request;
        final Response response;
        final AtomicBoolean done = new AtomicBoolean();
        long startedNs;
        volatile Channel channel;
        volatile boolean reused;
        volatile boolean answering;
        volatile boolean resent;
        volatile String failure;

        Call(Origin origin, FullHttpRequest request, Response response) {
            this.origin = origin;
            this.request = request;
            this.response = response;
        }

        void complete(int status, byte[] body) {
            if (done.compareAndSet(false, true)) {
                end();
                response.completed(status, body, null);
            }
        }

        void fail(String why) {
            if (done.compareAndSet(false, true)) {
                end();
                Channel ch = channel;
                if (ch != null && ch.attr(CALL).get() == this) {
                    ch.close(); // its answer may still come: the connection is no use to anyone else
                }
                response.completed(-1, null, failure != null ? why + " (" + failure + ")" : why);
            }
        }

        private void end() {
            request.release();
        }
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return root instanceof IOException || root == e ? text : e.getClass().getSimpleName() + ": " + text;
    }

    @Override
    public void close() throws InterruptedException {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
