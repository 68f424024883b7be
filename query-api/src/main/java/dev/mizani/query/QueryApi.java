package dev.mizani.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mizani.platform.domain.money.Currencies;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.security.CredentialKey;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.platform.security.Credentials;
import dev.mizani.projections.ProjectionHandler;
import dev.mizani.projections.ReadQueries;
import dev.mizani.projections.ReadQueries.PositionChangeView;
import dev.mizani.projections.ReadQueries.PositionView;
import dev.mizani.projections.ReadQueries.TransferCursor;
import dev.mizani.projections.ReadQueries.TransferFilter;
import dev.mizani.projections.ReadQueries.TransferView;
import dev.mizani.projections.Rebuild;
import dev.mizani.projections.SettlementWindows;
import dev.mizani.schemas.readside.SettlementWindowQueries.Window;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON over HTTP on the read store only. Every answer carries {@code freshness}: how far the projection is
 * behind the event topics and the hub time of the last event it applied. Participants authenticate with their
 * gateway credential and see only their own transfers, positions and window positions; the operator's
 * credential sees everything and may rebuild the read store.
 */
public final class QueryApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueryApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> STATES = Set.of("RECEIVED", "RESERVED", "COMMITTED", "ABORTED");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{2,30}");
    private static final Pattern TRANSFER_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final long CREDENTIAL_CACHE_NANOS = 2_000_000_000L;

    /**
     * @param pageSizeMax most rows one page may ask for; also the default
     */
    /** @param credentialKey the hub's key for participants' credentials, as the admin API stored them */
    public record Settings(String host, int port, String operatorCredentialSha256, int pageSizeMax,
                           CredentialKey credentialKey) {}

    private static final java.time.format.DateTimeFormatter TIME =
            java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(java.time.ZoneOffset.UTC);
    private final ReadQueries reads;
    private final SettlementWindows windows;
    private final Supplier<ProjectionHandler.Lag> lag;
    private final Supplier<Rebuild> rebuilds;
    private final Metrics metrics;
    private final Health health;
    private final Settings settings;
    private final WebServer server;
    private final ConcurrentHashMap<String, Identity> identities = new ConcurrentHashMap<>();
    private final AtomicReference<CompletableFuture<Rebuild.Report>> rebuild = new AtomicReference<>();

    /** Who is asking: the operator, or one participant. */
    private record Identity(String participant, long checkedAtNanos) {
        boolean operator() {
            return participant == null;
        }

        boolean mayRead(String name) {
            return operator() || participant.equals(name);
        }
    }

    private static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String why) {
            super(why, null, false, false);
            this.status = status;
        }
    }

    /**
     * @param rebuilds a new rebuild of the read store, or null where the projection runs in another process
     * @param metrics the hub's figures, served at {@code /metrics} to the operator
     * @param health  the process's checks, served without a credential at {@code /health}
     */
    public QueryApi(DataSource dataSource, Supplier<ProjectionHandler.Lag> lag, Supplier<Rebuild> rebuilds,
                    Metrics metrics, Health health, Settings settings) {
        this.metrics = metrics;
        this.health = health;
        this.reads = new ReadQueries(dataSource);
        this.windows = new SettlementWindows(dataSource);
        this.lag = lag;
        this.rebuilds = rebuilds;
        this.settings = settings;
        this.server = WebServer.builder().host(settings.host()).port(settings.port()).maxPayloadSize(4096)
                .routing(this::routes).build();
    }

    public QueryApi start() {
        server.start();
        if (!server.isRunning()) { // Helidon logs a listener that cannot bind and returns, with no port
            throw new IllegalStateException("the query API cannot listen; see the listener's error above");
        }
        log.info("query API on port {}", server.port());
        return this;
    }

    public int port() {
        return server.port();
    }

    private void routes(HttpRouting.Builder r) {
        Health.PATHS.forEach(path -> r.get(path, this::health));
        r.get("/transfers/{id}", guarded(this::transfer))
                .get("/participants/{name}/transfers", guarded(this::transfersOf))
                .get("/participants/{name}/positions", guarded(this::positions))
                .get("/participants/{name}/positions/history", guarded(this::positionHistory))
                .get("/settlementWindows", guarded(this::windows))
                .get("/settlementWindows/{id}", guarded(this::window))
                .get("/metrics", guarded(this::metrics))
                .post("/projections/rebuild", guarded(this::startRebuild))
                .get("/projections/rebuild", guarded(this::rebuildStatus))
                .any((req, res) -> send(res, 404, error("no such query: " + req.prologue().method().text() + " "
                        + printable(req.path().path()))));
    }

    private void health(ServerRequest req, ServerResponse res) {
        Health.Report report = health.probe(req.path().path());
        res.status(Status.create(report.httpStatus())).header(HeaderNames.CONTENT_TYPE, "application/json").send(report.toJson());
    }

    private interface Handler {
        void handle(ServerRequest req, ServerResponse res, Identity who) throws SQLException;
    }

    private io.helidon.webserver.http.Handler guarded(Handler handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res, identify(req));
            } catch (Refusal e) {
                send(res, e.status, error(e.getMessage()));
            } catch (SQLException | RuntimeException e) {
                log.error("query {} {} failed", req.prologue().method().text(), req.path().path(), e);
                send(res, 503, error("the read store did not answer; see the hub's log"));
            }
        };
    }

    private Identity identify(ServerRequest req) throws SQLException {
        String credential = Credentials.bearer(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))
                .orElseThrow(() -> new Refusal(401, "send Authorization: Bearer <credential>"));
        String hash = Credentials.sha256Hex(credential);
        if (Credentials.sameHash(hash, settings.operatorCredentialSha256())) {
            return new Identity(null, 0);
        }
        Identity known = identities.get(hash);
        long now = System.nanoTime();
        if (known != null && now - known.checkedAtNanos() < CREDENTIAL_CACHE_NANOS) {
            return known;
        }
        if (identities.size() > 10_000) {
            identities.clear();
        }
        String participant = null;
        for (String stored : settings.credentialKey().storedForms(credential)) {
            participant = reads.participantWithCredential(stored).orElse(null);
            if (participant != null) {
                break;
            }
        }
        if (participant == null) {
            throw new Refusal(401, "the credential is not a participant's or the operator's");
        }
        Identity identity = new Identity(participant, now);
        identities.put(hash, identity);
        return identity;
    }

    // ---- handlers ----

    private void transfer(ServerRequest req, ServerResponse res, Identity who) throws SQLException {
        String id = req.path().pathParameters().get("id");
        if (!TRANSFER_ID.matcher(id).matches()) {
            throw new Refusal(400, "id must be 1 to 64 letters, digits or '-'");
        }
        TransferView t = reads.transfer(id).filter(v -> who.mayRead(v.payerFsp()) || who.mayRead(v.payeeFsp()))
                .orElseThrow(() -> new Refusal(404, "no transfer " + id + " that you may read"));
        ObjectNode body = JSON.createObjectNode();
        body.set("transfer", transferJson(t));
        send(res, 200, body);
    }

    private void transfersOf(ServerRequest req, ServerResponse res, Identity who) throws SQLException {
        String name = participant(req, who);
        var q = req.query();
        String state = q.first("state").asOptional().map(s -> {
            if (!STATES.contains(s)) {
                throw new Refusal(400, "state must be one of " + STATES);
            }
            return s;
        }).orElse(null);
        String counterparty = q.first("counterparty").asOptional().map(s -> {
            if (!NAME.matcher(s).matches()) {
                throw new Refusal(400, "counterparty must be a participant name");
            }
            return s;
        }).orElse(null);
        Instant from = instant(q.first("from").asOptional(), "from", Instant.EPOCH);
        Instant to = instant(q.first("to").asOptional(), "to", Instant.parse("9999-12-31T00:00:00Z"));
        if (!from.isBefore(to)) {
            throw new Refusal(400, "from must be before to");
        }
        int limit = limit(q.first("limit").asOptional());
        TransferCursor after = q.first("cursor").asOptional().map(QueryApi::transferCursor).orElse(null);
        List<TransferView> page = known(name, reads.transfersOf(name, new TransferFilter(state, counterparty, from, to, after, limit)));
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("transfers");
        page.forEach(t -> list.add(transferJson(t)));
        if (page.size() == limit) {
            TransferView last = page.getLast();
            body.put("nextCursor", encodeCursor(last.preparedAt() + "|" + last.transferId()));
        } else {
            body.putNull("nextCursor");
        }
        send(res, 200, body);
    }

    private void positions(ServerRequest req, ServerResponse res, Identity who) throws SQLException {
        String name = participant(req, who);
        ObjectNode body = JSON.createObjectNode().put("participant", name);
        ArrayNode list = body.putArray("positions");
        for (PositionView p : known(name, reads.positions(name))) {
            list.addObject().put("currency", p.currency())
                    .put("position", amount(p.positionMinor(), p.currency()))
                    .put("reserved", amount(p.reservedMinor(), p.currency()))
                    .put("netDebitCap", amount(p.netDebitCapMinor(), p.currency()))
                    .put("liquidityCover", amount(p.liquidityCoverMinor(), p.currency()))
                    .put("fundsOutPending", amount(p.fundsOutPendingMinor(), p.currency()))
                    .put("headroom", amount(p.headroomMinor(), p.currency()))
                    .put("changedAt", time(p.changedAt()));
        }
        send(res, 200, body);
    }

    private void positionHistory(ServerRequest req, ServerResponse res, Identity who) throws SQLException {
        String name = participant(req, who);
        var q = req.query();
        String currency = q.first("currency").asOptional().orElseThrow(() -> new Refusal(400, "currency is required"));
        if (!CURRENCY.matcher(currency).matches() || Currencies.scale(currency).isEmpty()) {
            throw new Refusal(400, "currency must be an ISO 4217 code");
        }
        Instant from = instant(q.first("from").asOptional(), "from", Instant.EPOCH);
        Instant to = instant(q.first("to").asOptional(), "to", Instant.parse("9999-12-31T00:00:00Z"));
        int limit = limit(q.first("limit").asOptional());
        long after = q.first("cursor").asOptional().map(c -> {
            try {
                return Long.parseLong(new String(Base64.getUrlDecoder().decode(c), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new Refusal(400, "cursor is not one this API gave out");
            }
        }).orElse(0L);
        List<PositionChangeView> page = known(name, reads.positionHistory(name, currency, from, to, after, limit));
        ObjectNode body = JSON.createObjectNode().put("participant", name).put("currency", currency);
        ArrayNode list = body.putArray("changes");
        for (PositionChangeView c : page) {
            list.addObject().put("changedAt", time(c.changedAt())).put("cause", c.cause())
                    .put("transferId", c.transferId())
                    .put("position", amount(c.positionMinor(), currency))
                    .put("reserved", amount(c.reservedMinor(), currency))
                    .put("liquidityCover", amount(c.liquidityCoverMinor(), currency));
        }
        body.put("nextCursor", page.size() == limit ? encodeCursor(Long.toString(page.getLast().version())) : null);
        send(res, 200, body);
    }

    private void windows(ServerRequest req, ServerResponse res, Identity who) throws SQLException {
        Optional<String> state = req.query().first("state").asOptional().map(s -> {
            if (!s.equals("OPEN") && !s.equals("CLOSED")) {
                throw new Refusal(400, "state must be OPEN or CLOSED");
            }
            return s;
        });
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("settlementWindows");
        for (Window w : windows.windows(state)) {
            list.add(windowJson(w));
        }
        send(res, 200, body);
    }

    private void window(ServerRequest req, ServerResponse res, Identity who) throws SQLException {
        long id = windowId(req.path().pathParameters().get("id"));
        Window w = windows.window(id).orElseThrow(() -> new Refusal(404, "no settlement window " + id));
        ObjectNode body = JSON.createObjectNode();
        ObjectNode json = windowJson(w);
        ArrayNode nets = json.putArray("netPositions");
        for (var n : windows.netPositions(id, Optional.ofNullable(who.participant()))) {
            nets.addObject().put("participant", n.participant()).put("currency", n.currency())
                    .put("netPosition", amount(n.netMinor(), n.currency())).put("transferCount", n.transferCount());
        }
        body.set("settlementWindow", json);
        send(res, 200, body);
    }

    private void startRebuild(ServerRequest req, ServerResponse res, Identity who) {
        operatorOnly(who);
        boolean swap = !"false".equals(req.query().first("swap").asOptional().orElse("true"));
        if (rebuilds == null) {
            throw new Refusal(503, "rebuilds run where the projections service runs; ask that process's query API");
        }
        CompletableFuture<Rebuild.Report> running = rebuild.get();
        if (running != null && !running.isDone()) {
            throw new Refusal(409, "a rebuild is already running");
        }
        Rebuild r = rebuilds.get();
        CompletableFuture<Rebuild.Report> started = CompletableFuture.supplyAsync(() -> {
            try {
                return r.run(swap);
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, command -> Thread.ofPlatform().name("projection-rebuild").start(command));
        rebuild.set(started);
        send(res, 202, JSON.createObjectNode().put("rebuild", "started").put("swap", swap));
    }

    private void rebuildStatus(ServerRequest req, ServerResponse res, Identity who) {
        operatorOnly(who);
        CompletableFuture<Rebuild.Report> r = rebuild.get();
        ObjectNode body = JSON.createObjectNode();
        if (r == null) {
            body.put("rebuild", "none");
        } else if (!r.isDone()) {
            body.put("rebuild", "running");
        } else if (r.isCompletedExceptionally()) {
            body.put("rebuild", "failed");
            r.exceptionally(e -> {
                body.put("error", String.valueOf(e.getMessage()));
                return null;
            });
        } else {
            Rebuild.Report report = r.join();
            body.put("rebuild", "done").put("eventsReplayed", report.eventsReplayed())
                    .put("replayMillis", report.replayMillis())
                    .put("eventsPerSecond", Math.round(report.eventsPerSecond()))
                    .put("caughtUpFromKafka", report.caughtUp()).put("swapped", report.swapped());
            ObjectNode differences = body.putObject("differences");
            report.differences().forEach(differences::put);
        }
        send(res, 200, body);
    }

    // ---- parameters ----

    private String participant(ServerRequest req, Identity who) throws SQLException {
        String name = req.path().pathParameters().get("name");
        if (!NAME.matcher(name).matches()) {
            throw new Refusal(400, "name must be a participant name");
        }
        if (!who.mayRead(name)) {
            throw new Refusal(403, "a participant reads only its own data");
        }
        return name;
    }

    /**
     * An empty answer is either a participant with nothing to show or no participant at all; only then is the
     * participant looked up, so a hot query costs one read, not two.
     */
    private <T> List<T> known(String name, List<T> rows) throws SQLException {
        if (rows.isEmpty() && !reads.participantExists(name)) {
            throw new Refusal(404, "no participant " + name);
        }
        return rows;
    }

    private void metrics(ServerRequest req, ServerResponse res, Identity who) {
        operatorOnly(who, "only the operator may read the hub's metrics");
        res.status(Status.OK_200).header(HeaderNames.CONTENT_TYPE, Metrics.CONTENT_TYPE);
        res.send(metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }

    private static void operatorOnly(Identity who) {
        operatorOnly(who, "only the operator may rebuild the read store");
    }

    private static void operatorOnly(Identity who, String why) {
        if (!who.operator()) {
            throw new Refusal(403, why);
        }
    }

    /**
     * Every time in an answer has the same width, milliseconds always written (as FSPIOP writes its times), so
     * that answers sort as text too; {@code Instant.toString()} leaves them out on a whole second.
     */
    static String time(Instant at) {
        return TIME.format(at);
    }

    private static Instant instant(Optional<String> value, String name, Instant otherwise) {
        try {
            return value.map(Instant::parse).orElse(otherwise);
        } catch (DateTimeParseException e) {
            throw new Refusal(400, name + " must be an ISO-8601 UTC instant such as 2026-01-31T12:00:00Z");
        }
    }

    private int limit(Optional<String> value) {
        if (value.isEmpty()) {
            return settings.pageSizeMax();
        }
        try {
            int n = Integer.parseInt(value.get());
            if (n >= 1 && n <= settings.pageSizeMax()) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new Refusal(400, "limit must be a whole number from 1 to " + settings.pageSizeMax());
    }

    private static long windowId(String value) {
        try {
            long id = Long.parseLong(value);
            if (id >= 1) {
                return id;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new Refusal(400, "id must be a settlement window number from 1");
    }

    private static TransferCursor transferCursor(String cursor) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", 2);
            return new TransferCursor(Instant.parse(parts[0]), parts[1]);
        } catch (RuntimeException e) {
            throw new Refusal(400, "cursor is not one this API gave out");
        }
    }

    private static String encodeCursor(String value) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    // ---- JSON ----

    static ObjectNode transferJson(TransferView t) {
        ObjectNode json = JSON.createObjectNode().put("transferId", t.transferId()).put("payerFsp", t.payerFsp())
                .put("payeeFsp", t.payeeFsp());
        if (t.amountMinor() != null) {
            json.putObject("amount").put("amount", amount(t.amountMinor(), t.currency())).put("currency", t.currency());
        }
        json.put("transferState", t.state());
        if (t.errorCode() != null) {
            json.putObject("errorInformation").put("errorCode", Integer.toString(t.errorCode()))
                    .put("errorDescription", t.errorDescription());
        }
        put(json, "expiration", t.expiration());
        put(json, "preparedAt", t.preparedAt());
        put(json, "reservedAt", t.reservedAt());
        put(json, "committedAt", t.committedAt());
        put(json, "abortedAt", t.abortedAt());
        if (t.settlementWindowId() != null) {
            json.put("settlementWindowId", t.settlementWindowId());
        }
        return json;
    }

    static ObjectNode windowJson(Window w) {
        ObjectNode json = JSON.createObjectNode().put("settlementWindowId", w.windowId()).put("state", w.state());
        put(json, "createdDate", w.openedAt());
        put(json, "closedDate", w.closedAt());
        if (w.reason() != null) {
            json.put("reason", w.reason());
        }
        return json;
    }

    private static void put(ObjectNode json, String field, Instant at) {
        if (at != null) {
            json.put(field, time(at));
        }
    }

    static String amount(long minor, String currency) {
        BigDecimal value = BigDecimal.valueOf(minor, Currencies.scale(currency).orElse(2)).stripTrailingZeros();
        return (value.scale() < 0 ? value.setScale(0) : value).toPlainString();
    }

    private static ObjectNode error(String why) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("message", why);
        return body;
    }

    private static String printable(String s) {
        String p = s.replaceAll("\\p{Cntrl}", "?");
        return p.length() <= 64 ? p : p.substring(0, 64) + "...";
    }

    /** Writes the body with the read store's freshness, taken after the query ran. */
    private void send(ServerResponse res, int status, ObjectNode body) {
        ProjectionHandler.Lag l = lag.get();
        ObjectNode freshness = body.putObject("freshness");
        freshness.put("lagEvents", l.transfersEvents() < 0 ? -1 : l.transfersEvents() + l.participantsEvents())
                .put("lastEventAt", l.lastEventAt() == null ? null : time(l.lastEventAt()))
                .put("measuredAt", time(l.measuredAt()))
                .put("eventsApplied", l.eventsApplied())
                .put("projectionRunning", l.running());
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, "application/json");
        try {
            res.send(JSON.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
