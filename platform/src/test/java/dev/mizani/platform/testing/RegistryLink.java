package dev.mizani.platform.testing;

import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP link to the shared registry that a test can cut (every connection closed, new ones refused) and
 * restore on the same port: the registry's process going away and coming back, as a client sees it.
 */
public final class RegistryLink implements AutoCloseable {
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final String url;
    private final int port;
    private volatile ServerSocket server;

    public RegistryLink(String registryUrl) {
        URI uri = URI.create(registryUrl);
        target = new InetSocketAddress(uri.getHost(), uri.getPort());
        listen(0);
        port = server.getLocalPort();
        url = registryUrl.replace(uri.getHost() + ":" + uri.getPort(), "127.0.0.1:" + port);
    }

    /** The registry's base URL through this link. */
    public String url() {
        return url;
    }

    /** A registry cache of its own (nothing this process has seen before) that asks through this link. */
    public CachedSchemaRegistry registry() {
        return new CachedSchemaRegistry(new SchemaRegistryClient(url, Duration.ofSeconds(2)));
    }

    public synchronized void cut() {
        closeQuietly(server);
        open.forEach(RegistryLink::closeQuietly);
        open.clear();
    }

    public synchronized void restore() {
        listen(port);
    }

    private void listen(int onPort) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
            server = s;
            Thread.ofVirtual().start(() -> accept(s));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                synchronized (this) {
                    if (s.isClosed()) { // cut while this connection was being set up: it must not outlive the cut
                        closeQuietly(client);
                        closeQuietly(upstream);
                        return;
                    }
                    open.add(client);
                    open.add(upstream);
                }
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                return; // cut
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
    }
}
