package dev.mizani.platform.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.channel.socket.nio.NioSocketChannel;
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
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Every request ends within {@code timeoutMs} of being sent, waiting for a connection included, with an
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
    private final Bootstrap bootstrap;
    private final int connectionsPerOrigin;
    private final long timeoutMs;
    private final SSLContext tls;
    private final Map<Origin, FixedChannelPool> pools = new ConcurrentHashMap<>();

    /**
     * @param tls the context {@code https} origins are called with; null refuses them
     */
    public HttpClient(String name, int connectionsPerOrigin, long timeoutMs, SSLContext tls) {
        this.connectionsPerOrigin = connectionsPerOrigin;
        this.timeoutMs = timeoutMs;
        this.tls = tls;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, true), NioIoHandler.newFactory());
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
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
        call.timeout = group.next().schedule(() -> call.fail("no answer within " + timeoutMs + " ms"), timeoutMs,
                TimeUnit.MILLISECONDS);
        acquire(call);
    }

    private void acquire(Call call) {
        pool(call.origin).acquire().addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                call.fail("cannot connect to " + call.origin.host() + ": " + rootCause(f.cause()));
                return;
            }
            Channel ch = f.getNow();
            if (call.done.get()) {
                pool(call.origin).release(ch);
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
        });
    }

    private FixedChannelPool pool(Origin origin) {
        FixedChannelPool pool = pools.get(origin);
        if (pool != null) {
            return pool;
        }
        if (pools.size() >= ORIGINS_MAX) { // idle connections to origins no longer called: let them go
            pools.values().forEach(FixedChannelPool::closeAsync);
            pools.clear();
        }
        return pools.computeIfAbsent(origin, o -> new FixedChannelPool(bootstrap.clone().remoteAddress(o.address()),
                new AbstractChannelPoolHandler() {
                    @Override
                    public void channelCreated(Channel ch) {
                        if (o.tls()) {
                            ch.pipeline().addLast("tls", new SslHandler(engine(o)));
                        }
                        ch.pipeline().addLast("answering", new Answering());
                        ch.pipeline().addLast("codec", new HttpClientCodec());
                        ch.pipeline().addLast("aggregator", new HttpObjectAggregator(MESSAGE_BYTES_MAX));
                        ch.pipeline().addLast("answers", new Answers(o));
                    }
                }, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL, timeoutMs,
                connectionsPerOrigin, Integer.MAX_VALUE, true, true));
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
        private final Origin origin;

        Answers(Origin origin) {
            this.origin = origin;
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
                if (!HttpUtil.isKeepAlive(response)) {
                    ctx.close();
                }
                pools.get(origin).release(ctx.channel());
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
                FixedChannelPool pool = pools.get(origin);
                if (pool != null) {
                    pool.release(ctx.channel());
                }
                if (call.reused && !call.answering && !call.resent && !call.done.get()) {
                    call.resent = true; // the server closed it while idle, before reading this: once more, elsewhere
                    call.reused = false;
                    call.channel = null;
                    acquire(call);
                } else {
                    call.fail("the connection to " + origin.host() + " closed before the answer");
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
        ScheduledFuture<?> timeout;
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
            if (timeout != null) {
                timeout.cancel(false);
            }
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
        pools.values().forEach(FixedChannelPool::closeAsync);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
