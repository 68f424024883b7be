package dev.mizani.platform.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 server DFSPs reach, on Netty: its decoder frames requests, its TLS handler speaks TLS, and this
 * class keeps the bounds and the rules a server facing the internet needs. Handlers answer when they are ready,
 * from any thread: a request that waits for a Kafka acknowledgement holds no thread meanwhile.
 *
 * <p>Strict about framing: Netty's decoder with strict line parsing (no bare CR or LF), validated header names
 * and values, and duplicate Content-Length refused; here, besides, a request carrying both Content-Length and
 * Transfer-Encoding (the request-smuggling pair), another transfer coding than chunked (501), a second Host, or an
 * HTTP/1.1 request without one. What breaks a rule is refused with 400 (431 for a head over its bound, 413 for a
 * body over its bound) and the connection is closed, since what follows cannot be trusted to start a request.
 * Refusals are rendered by the caller's {@link Refusals}, so a client always gets the body its protocol expects.
 *
 * <p>One request at a time per connection: a pipelined request waits, unread, until the one before it is
 * answered, so answers leave in order and a pipelining client can make the server hold no more than one request.
 * Bounded everywhere: connections (accepting pauses at the bound), the head and body of a request, the time a
 * request may take to arrive from its first byte, or a new connection's first request from the connection's start
 * (then 408: a client that sends slowly or nothing holds a connection no longer), the time a handler may take to
 * answer (then 503), and the time a kept-alive connection may sit idle between requests. With an {@link SSLContext}, only TLS clients whose certificate it
 * trusts are served; the certificates come with each request.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    /**
     * @param threads          event-loop threads; each serves its share of connections
     * @param connectionsMax   connections open at once; accepting pauses at the bound
     * @param headBytesMax     a request line or headers beyond this are refused with 431
     * @param bodyBytesMax     a body beyond this is refused with 413 (before it is read when its length is declared)
     * @param requestTimeoutMs a request must arrive whole within this of its first byte (a connection's first request,
     *                         of the connection's start), else 408
     * @param answerTimeoutMs  a handler that has not answered within this gets a 503 sent for it
     * @param idleTimeoutMs    a kept-alive connection with nothing in flight is closed after this
     * @param mutualTls        null for plain HTTP; else TLS, requiring a client certificate this context trusts
     */
    public record Settings(String name, String host, int port, int threads, int connectionsMax, int headBytesMax,
                           int bodyBytesMax, long requestTimeoutMs, long answerTimeoutMs, long idleTimeoutMs,
                           SSLContext mutualTls) {
        public Settings {
            if (threads < 1 || connectionsMax < 1 || headBytesMax < 256 || bodyBytesMax < 0) {
                throw new IllegalArgumentException("server " + name + ": threads, connections and bounds must be positive");
            }
        }

        /** These settings served over TLS to clients with a certificate {@code context} trusts. */
        public Settings withMutualTls(SSLContext context) {
            return new Settings(name, host, port, threads, connectionsMax, headBytesMax, bodyBytesMax, requestTimeoutMs,
                    answerTimeoutMs, idleTimeoutMs, context);
        }
    }

    /**
     * A whole request. Its headers map is case-insensitive, each name with its values in the order they came;
     * {@code peerCertificates} is the client's verified chain over TLS, else null.
     */
    public record Request(String method, String path, String query, Map<String, List<String>> headers, byte[] body,
                          Certificate[] peerCertificates) {
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

    /** Runs on an event-loop thread and must not block; answers through the exchange now or later, from any thread. */
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
    private final EventLoopGroup group;
    private final Channel server;
    private final ConnectionBound bound;

    public HttpServer(Settings settings, Handler handler, Refusals refusals) throws IOException {
        this.settings = settings;
        this.handler = handler;
        this.refusals = refusals;
        this.bound = new ConnectionBound(settings.connectionsMax());
        this.group = new MultiThreadIoEventLoopGroup(settings.threads(),
                new DefaultThreadFactory(settings.name(), true), Transport.ioHandlers());
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(Transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .handler(bound)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted(ch);
                    }
                });
        try {
            this.server = bootstrap.bind(new InetSocketAddress(settings.host(), settings.port())).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections being served now (not those waiting at the bound). */
    public int connections() {
        return bound.open;
    }

    /**
     * Connections open at once, on the listening channel's loop: at the bound, accepting pauses (the kernel's backlog
     * holds the rest), and the few accepted in the same pass wait unserved, unread, until a connection closes.
     */
    private static final class ConnectionBound extends ChannelInboundHandlerAdapter {
        private final int connectionsMax;
        private final java.util.ArrayDeque<Channel> waiting = new java.util.ArrayDeque<>();
        private volatile int open; // written on the listening channel's loop only

        ConnectionBound(int connectionsMax) {
            this.connectionsMax = connectionsMax;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            if (open < connectionsMax) {
                admit(ctx, child);
            } else {
                waiting.add(child);
            }
            if (open >= connectionsMax) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        private void admit(ChannelHandlerContext ctx, Channel child) {
            open++;
            child.closeFuture().addListener(f -> ctx.executor().execute(() -> closed(ctx)));
            ctx.fireChannelRead(child);
        }

        private void closed(ChannelHandlerContext ctx) {
            open--;
            Channel next = waiting.poll();
            if (next != null) {
                admit(ctx, next);
            } else if (open < connectionsMax && ctx.channel().isActive()) {
                ctx.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            waiting.forEach(Channel::close);
            waiting.clear();
            ctx.fireChannelInactive();
        }
    }

    private void accepted(SocketChannel ch) {
        Connection connection = new Connection(ch);
        var pipeline = ch.pipeline();
        if (settings.mutualTls() != null) {
            SSLEngine engine = settings.mutualTls().createSSLEngine();
            engine.setUseClientMode(false);
            engine.setNeedClientAuth(true);
            pipeline.addLast("tls", new SslHandler(engine));
        }
        pipeline.addLast("deadline", connection.deadline);
        pipeline.addLast("encoder", new HttpResponseEncoder());
        pipeline.addLast("decoder", connection.decoder);
        pipeline.addLast("framing", connection.framing);
        pipeline.addLast("aggregator", new BoundedAggregator(connection, settings.bodyBytesMax()));
        pipeline.addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeoutMs(), TimeUnit.MILLISECONDS));
        pipeline.addLast("requests", connection);
    }

    /** A body over its bound: refused with the caller's 413 instead of Netty's bare one. */
    private static final class BoundedAggregator extends HttpObjectAggregator {
        private final Connection connection;

        BoundedAggregator(Connection connection, int bodyBytesMax) {
            super(bodyBytesMax, true);
            this.connection = connection;
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, io.netty.channel.ChannelPipeline pipeline) {
            if (HttpUtil.getContentLength(start, -1L) > maxContentLength) {
                return null; // refused below, in handleOversizedMessage, with the caller's body
            }
            return super.newContinueResponse(start, maxContentLength, pipeline);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            long declared = HttpUtil.getContentLength(oversized, -1L);
            connection.refuse(413, declared >= 0 ? "a body of " + declared + " bytes, more than " + maxContentLength()
                    : "a chunked body larger than " + maxContentLength() + " bytes");
        }
    }

    /** Netty's request decoder, saying whether it holds bytes of a request it has not handed on yet. */
    private static final class RequestDecoder extends HttpRequestDecoder {
        RequestDecoder(int headBytesMax) {
            super(new HttpDecoderConfig()
                    .setMaxInitialLineLength(headBytesMax)
                    .setMaxHeaderSize(headBytesMax)
                    .setMaxChunkSize(16 * 1024)
                    .setStrictLineParsing(true)
                    .setAllowDuplicateContentLengths(false)
                    .setValidateHeaders(true));
        }

        boolean holdsBytes() {
            return actualReadableBytes() > 0;
        }
    }

    /**
     * Requests read ahead of their turn that a connection holds at most before it stops reading: a client that
     * pipelines holds the server to one read's worth of requests beyond this.
     */
    private static final int READ_AHEAD_MAX = 16;

    /** A client's connection: at most one request with the handler, its deadlines, its graceful close. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        final SocketChannel channel;
        final RequestDecoder decoder = new RequestDecoder(settings.headBytesMax());
        /** A request's head has come and its end not yet (the aggregator holds its start). */
        boolean inMessage;
        /** Before the decoder: arms the request deadline at a request's first byte, and drops input once closing. */
        final ChannelInboundHandlerAdapter deadline = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (draining) {
                    io.netty.util.ReferenceCountUtil.release(msg);
                    return;
                }
                armDeadline(); // the request these bytes belong to is due whole within the request timeout
                ctx.fireChannelRead(msg);
            }
        };
        /** Between the decoder and the aggregator: what Netty's decoder lets through but a strict server refuses. */
        final ChannelInboundHandlerAdapter framing = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof io.netty.handler.codec.http.LastHttpContent) {
                    inMessage = false;
                }
                if (msg instanceof HttpRequest request) {
                    inMessage = !(msg instanceof io.netty.handler.codec.http.LastHttpContent);
                    String why = request.decoderResult().isSuccess() ? unframeable(request) : null;
                    if (why != null) {
                        io.netty.util.ReferenceCountUtil.release(msg);
                        refuse(why.startsWith("501 ") ? 501 : 400, why.startsWith("501 ") ? why.substring(4) : why);
                        return;
                    }
                }
                ctx.fireChannelRead(msg);
            }
        };
        ScheduledFuture<?> requestDeadline;
        Pending pending;
        /** Whole requests that came while another was with the handler ({@link #READ_AHEAD_MAX}, and one read's worth). */
        final java.util.ArrayDeque<FullHttpRequest> waiting = new java.util.ArrayDeque<>();
        boolean draining;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        /** A new connection owes its first request within the request timeout, as a started one does. */
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            armDeadline();
            ctx.fireChannelActive();
        }

        void armDeadline() {
            if (requestDeadline == null) {
                requestDeadline = channel.eventLoop().schedule(() -> refuse(408, "the request did not arrive whole within "
                        + settings.requestTimeoutMs() + " ms"), settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            FullHttpRequest request = (FullHttpRequest) msg;
            if (!inMessage && !decoder.holdsBytes()) {
                cancelDeadline(); // nothing of a next request has come: no deadline runs until its first byte
            }
            if (!draining && (pending != null || !waiting.isEmpty())) {
                waiting.add(request); // its turn comes once the answers before it are written
                if (waiting.size() >= READ_AHEAD_MAX) {
                    channel.config().setAutoRead(false);
                }
                return;
            }
            handOver(request);
        }

        private void handOver(FullHttpRequest request) {
            try {
                if (draining) {
                    return;
                }
                if (request.decoderResult().isFailure()) {
                    Throwable cause = request.decoderResult().cause();
                    boolean tooLong = cause instanceof TooLongHttpLineException || cause instanceof TooLongHttpHeaderException
                            || cause instanceof TooLongFrameException;
                    refuse(tooLong ? 431 : 400, tooLong ? "request head larger than " + settings.headBytesMax() + " bytes"
                            : "malformed request: " + cause.getMessage());
                    return;
                }
                serve(request);
            } finally {
                request.release();
            }
        }

        private void serve(FullHttpRequest request) {
            String target = request.uri();
            if (target.startsWith("http://") || target.startsWith("https://")) {
                int slash = target.indexOf('/', target.indexOf("://") + 3); // absolute-form: the path is what counts
                target = slash < 0 ? "/" : target.substring(slash);
            }
            if (!target.startsWith("/")) {
                refuse(400, "malformed request target");
                return;
            }
            int q = target.indexOf('?');
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (Map.Entry<String, String> h : request.headers()) {
                headers.computeIfAbsent(h.getKey(), k -> new ArrayList<>(1)).add(h.getValue());
            }
            ByteBuf content = request.content();
            byte[] body = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
            Request r = new Request(request.method().name(), q < 0 ? target : target.substring(0, q),
                    q < 0 ? null : target.substring(q + 1), headers, body, peerCertificates());
            Pending p = new Pending(this, request.method().name().equals("HEAD"), HttpUtil.isKeepAlive(request));
            pending = p;
            p.timeout = channel.eventLoop().schedule(() -> p.reply(refusals.refuse(503, "no answer within "
                    + settings.answerTimeoutMs() + " ms")), settings.answerTimeoutMs(), TimeUnit.MILLISECONDS);
            try {
                handler.handle(r, p);
            } catch (RuntimeException e) {
                log.warn("{}: handler failed for {} {}: {}", settings.name(), r.method(), r.path(), e.toString(), e);
                p.reply(refusals.refuse(500, "the server failed to handle the request"));
            }
        }

        private Certificate[] peerCertificates() {
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls == null) {
                return null;
            }
            try {
                return tls.engine().getSession().getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                return null;
            }
        }

        /** On the event loop: writes the answer, then hands over the request waiting next, or closes. */
        void answer(Pending p, Reply reply) {
            p.timeout.cancel(false);
            if (p != pending || !channel.isActive()) {
                reply.ended(); // the connection closed meanwhile
                return;
            }
            pending = null;
            FullHttpResponse response = render(reply, p.head, !p.keepAlive);
            channel.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
                reply.ended();
                if (!f.isSuccess()) {
                    channel.close();
                } else if (!p.keepAlive) {
                    drain();
                } else if (!waiting.isEmpty()) {
                    handOver(waiting.poll());
                    if (waiting.size() < READ_AHEAD_MAX / 2 && !channel.config().isAutoRead()) {
                        channel.config().setAutoRead(true);
                    }
                }
            });
        }

        /** Refuses what cannot be served and closes once the refusal is written. */
        void refuse(int status, String reason) {
            if (!channel.eventLoop().inEventLoop()) {
                channel.eventLoop().execute(() -> refuse(status, reason));
                return;
            }
            if (draining || !channel.isActive()) {
                return;
            }
            cancelDeadline();
            if (pending != null) {
                pending.done.set(true);
                pending.timeout.cancel(false);
                pending = null;
            }
            draining = true;
            channel.writeAndFlush(render(refusals.refuse(status, reason), false, true))
                    .addListener((ChannelFutureListener) f -> drain());
        }

        /**
         * Closes gracefully: our side first, then whatever the client still sends is read and dropped until it
         * closes too (or the request timeout passes). Closing with unread bytes would send a reset, which can
         * destroy the answer before the client has read it. TLS closes at once (its close_notify says the end).
         */
        void drain() {
            draining = true;
            if (!channel.isActive()) {
                return;
            }
            if (channel.pipeline().get(SslHandler.class) != null) {
                channel.close();
                return;
            }
            channel.shutdownOutput().addListener(f -> {
                channel.config().setAutoRead(true);
                channel.eventLoop().schedule(() -> channel.close(), settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
            });
        }

        private void cancelDeadline() {
            if (requestDeadline != null) {
                requestDeadline.cancel(false);
                requestDeadline = null;
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent && pending == null && requestDeadline == null) {
                channel.close();
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            waiting.forEach(FullHttpRequest::release);
            waiting.clear();
            cancelDeadline();
            if (pending != null) {
                pending.done.set(true);
                pending.timeout.cancel(false);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof IOException)) {
                log.debug("{}: closing a connection: {}", settings.name(), cause.toString());
            }
            channel.close();
        }
    }

    /**
     * Why a request whose head Netty decoded cannot be framed safely, or null. Netty takes Transfer-Encoding over
     * Content-Length; a server that is a proxy's backend must not (the proxy may have framed by the other).
     */
    private static String unframeable(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (!version.equals(HttpVersion.HTTP_1_1) && !version.equals(HttpVersion.HTTP_1_0)) {
            return "unsupported protocol version " + version.text();
        }
        HttpHeaders h = request.headers();
        List<String> codings = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty()) {
            if (h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return "both Content-Length and Transfer-Encoding";
            }
            if (codings.size() != 1 || !codings.getFirst().trim().equalsIgnoreCase("chunked")) {
                return "501 only the chunked transfer coding is understood";
            }
        }
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return "more than one Host header";
        }
        if (hosts.isEmpty() && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return "an HTTP/1.1 request without a Host header";
        }
        return null;
    }

    /** A request handed to the handler and not yet answered. */
    private static final class Pending implements Exchange {
        final Connection connection;
        final boolean head;
        final boolean keepAlive;
        final AtomicBoolean done = new AtomicBoolean();
        ScheduledFuture<?> timeout;

        Pending(Connection connection, boolean head, boolean keepAlive) {
            this.connection = connection;
            this.head = head;
            this.keepAlive = keepAlive;
        }

        @Override
        public void reply(Reply reply) {
            if (!done.compareAndSet(false, true)) {
                reply.ended();
                return;
            }
            var loop = connection.channel.eventLoop();
            if (loop.inEventLoop()) {
                connection.answer(this, reply);
            } else {
                loop.execute(() -> connection.answer(this, reply));
            }
        }
    }

    private static FullHttpResponse render(Reply reply, boolean head, boolean close) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()),
                head || reply.body().length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.DATE, HttpDates.now());
        h.set(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        if (reply.contentType() != null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        }
        reply.headers().forEach(h::set);
        if (close) {
            h.set(HttpHeaderNames.CONNECTION, "close");
        }
        return response;
    }

    @Override
    public void close() throws InterruptedException {
        server.close().await(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** A lower-case name for logs. */
    @Override
    public String toString() {
        return settings.name().toLowerCase(Locale.ROOT) + " on " + settings.host() + ":" + port();
    }
}
