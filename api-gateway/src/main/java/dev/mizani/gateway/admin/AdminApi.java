package dev.mizani.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mizani.gateway.fspiop.ProtocolErrors;
import dev.mizani.gateway.participants.ParticipantCommands;
import dev.mizani.gateway.participants.ParticipantCommands.Applied;
import dev.mizani.gateway.participants.ParticipantCommands.Outcome;
import dev.mizani.gateway.participants.ParticipantCommands.Pending;
import dev.mizani.gateway.participants.ParticipantCommands.Refused;
import dev.mizani.gateway.participants.ParticipantCommands.NotRecorded;
import dev.mizani.gateway.participants.ParticipantsView;
import dev.mizani.gateway.participants.ParticipantsView.Account;
import dev.mizani.gateway.participants.ParticipantsView.Participant;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.security.CredentialKey;
import dev.mizani.platform.security.Credentials;
import dev.mizani.platform.security.JwsKeys;
import dev.mizani.platform.domain.FspiopError;
import dev.mizani.schemas.participant.*;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import dev.mizani.schemas.readside.SettlementWindowQueries;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' API, with the routes and JSON bodies of Mojaloop central-ledger's admin API so existing
 * onboarding scripts work unchanged, plus what Mizani adds under the same style: participant credentials
 * and rate limits. Every write becomes a command on participants.commands; the answer waits for the event
 * it caused, so the operator reads their own write. Every call needs the operator credential.
 *
 * <p>Differences from central-ledger, on purpose: hub accounts are implicit (the POST that creates them is
 * accepted and changes nothing); account ids are per participant (odd: POSITION, even: SETTLEMENT, in the
 * order currencies were added); limit alarm percentages are accepted and not kept (Mizani raises no NDC
 * alarms). Settlement windows come from the read store; a close is carried out by the projection handler, so the
 * answer waits for it (202 when it has not happened within the admin wait).
 */
public final class AdminApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{2,30}");
    private static final Pattern FUNDS_TRANSFER_ID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26}");
    private static final long BODY_BYTES_MAX = 64 * 1024;

    private final ParticipantsView view;
    private final ParticipantCommands commands;
    private final String operatorCredentialSha256;
    private final String hubName;
    private final WebServer server;
    private final SettlementWindowQueries windows;
    private final Duration closeWait;
    private final Health health;
    private final CredentialKey credentialKey;

    /** @param health served without a credential at {@code GET /health} */
    public AdminApi(String host, int port, ParticipantsView view, ParticipantCommands commands,
                    String operatorCredentialSha256, String hubName, SettlementWindowQueries windows, Duration closeWait,
                    Health health, CredentialKey credentialKey) {
        this.health = health;
        this.credentialKey = credentialKey;
        this.windows = windows;
        this.closeWait = closeWait;
        this.view = view;
        this.commands = commands;
        this.operatorCredentialSha256 = operatorCredentialSha256;
        this.hubName = hubName;
        this.server = WebServer.builder().host(host).port(port).maxPayloadSize(BODY_BYTES_MAX)
                .directHandlers(d -> ProtocolErrors.install(d, "application/json"))
                .routing(this::routes).build();
    }

    private void routes(HttpRouting.Builder r) {
        Health.PATHS.forEach(path -> r.get(path, this::health));
        r.any(this::operatorOnly)
                .get("/participants", guarded(this::list))
                .post("/participants", guarded(this::create))
                .get("/participants/limits", guarded(this::allLimits))
                .get("/participants/{name}", guarded(this::one))
                .put("/participants/{name}", guarded(this::setActive))
                .post("/participants/{name}/endpoints", guarded(this::addEndpoint))
                .get("/participants/{name}/endpoints", guarded(this::endpoints))
                .post("/participants/{name}/initialPositionAndLimits", guarded(this::initialPositionAndLimits))
                .get("/participants/{name}/limits", guarded(this::limits))
                .put("/participants/{name}/limits", guarded(this::adjustLimits))
                .get("/participants/{name}/positions", guarded(this::positions))
                .get("/participants/{name}/accounts", guarded(this::accounts))
                .post("/participants/{name}/accounts", guarded(this::hubAccount))
                .post("/participants/{name}/accounts/{id}", guarded(this::recordFunds))
                .put("/participants/{name}/accounts/{id}/transfers/{transferId}", guarded(this::settleFundsOut))
                .post("/participants/{name}/credentials", guarded(this::issueCredential))
                .put("/participants/{name}/credentials", guarded(this::registerCredential))
                .get("/participants/{name}/rateLimit", guarded(this::rateLimit))
                .put("/participants/{name}/rateLimit", guarded(this::setRateLimit))
                .put("/participants/{name}/jwsPublicKey", guarded(this::setJwsPublicKey))
                .get("/participants/{name}/jwsPublicKey", guarded(this::jwsPublicKey))
                .get("/settlementWindows", guarded(this::settlementWindows))
                .get("/settlementWindows/{id}", guarded(this::settlementWindow))
                .post("/settlementWindows/{id}", guarded(this::closeSettlementWindow))
                .any((req, res) -> error(res, 404, FspiopError.UNKNOWN_URI,
                        req.prologue().method().text() + " " + req.path().path() + " is not an admin route"));
    }

    private void health(ServerRequest req, ServerResponse res) {
        Health.Report report = health.probe(req.path().path());
        res.status(Status.create(report.httpStatus())).header(HeaderNames.CONTENT_TYPE, "application/json").send(report.toJson());
    }

    public AdminApi start() {
        server.start();
        if (!server.isRunning()) { // Helidon logs a listener that cannot bind and returns, with no port
            throw new IllegalStateException("the admin API cannot listen; see the listener's error above");
        }
        log.info("admin API on port {}", server.port());
        return this;
    }

    public int port() {
        return server.port();
    }

    // ---- settlement windows ----

    private void settlementWindows(ServerRequest req, ServerResponse res) {
        Optional<String> state = req.query().first("state").asOptional();
        if (state.isPresent() && !state.get().equals("OPEN") && !state.get().equals("CLOSED")) {
            throw invalid("state must be OPEN or CLOSED");
        }
        Instant from = AdminJson.instantParameter(req, "fromDateTime", Instant.EPOCH);
        Instant to = AdminJson.instantParameter(req, "toDateTime", Instant.MAX);
        ArrayNode list = AdminJson.array();
        try {
            for (SettlementWindowQueries.Window w : windows.windows(state)) {
                Instant changed = w.closedAt() != null ? w.closedAt() : w.openedAt();
                if (changed == null || (!changed.isBefore(from) && changed.isBefore(to))) {
                    list.add(AdminJson.settlementWindow(w));
                }
            }
        } catch (SQLException e) {
            throw readStoreDown(e);
        }
        if (list.isEmpty()) {
            throw new Refusal(400, FspiopError.GENERIC_ID_NOT_FOUND, "no settlement window matches");
        }
        send(res, 200, list);
    }

    private void settlementWindow(ServerRequest req, ServerResponse res) {
        long id = windowId(req);
        try {
            send(res, 200, AdminJson.settlementWindow(windows.window(id).orElseThrow(() -> new Refusal(400,
                    FspiopError.GENERIC_ID_NOT_FOUND, "settlement window " + id + " does not exist"))));
        } catch (SQLException e) {
            throw readStoreDown(e);
        }
    }

    /** central-ledger's close: {state: "CLOSED", reason}; answers with the window it opened. */
    private void closeSettlementWindow(ServerRequest req, ServerResponse res) {
        long id = windowId(req);
        JsonNode body = AdminJson.body(req);
        if (!"CLOSED".equals(AdminJson.text(body, "state"))) {
            throw invalid("state must be CLOSED");
        }
        String reason = AdminJson.text(body, "reason");
        if (reason.isBlank() || reason.length() > 512) {
            throw invalid("reason must be 1 to 512 characters");
        }
        try {
            switch (windows.requestClose(id, reason, closeWait)) {
                case SettlementWindowQueries.Closed closed -> send(res, 200, AdminJson.settlementWindow(
                        windows.window(id + 1).orElseThrow()));
                case SettlementWindowQueries.NotOpen notOpen -> throw invalid(notOpen.why());
                case SettlementWindowQueries.Requested requested -> send(res, 202, AdminJson.object().put("message",
                        "close of settlement window " + id + " recorded; the projection handler has not carried it out yet"));
            }
        } catch (SQLException e) {
            throw readStoreDown(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal(503, FspiopError.SERVICE_UNAVAILABLE, "interrupted");
        }
    }

    private static long windowId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        try {
            long id = Long.parseLong(raw);
            if (id >= 1) {
                return id;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw invalid("the settlement window id must be a number from 1");
    }

    private static Refusal readStoreDown(SQLException e) {
        log.warn("read store unavailable: {}", e.toString());
        return new Refusal(503, FspiopError.SERVICE_UNAVAILABLE, "the read store did not answer; retry");
    }

    // ---- authentication and errors ----

    private void operatorOnly(ServerRequest req, ServerResponse res) {
        var credential = Credentials.bearer(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
        if (credential.isPresent() && Credentials.sameHash(Credentials.sha256Hex(credential.get()), operatorCredentialSha256)) {
            res.next();
        } else {
            error(res, 401, FspiopError.GENERIC_CLIENT_ERROR, "the admin API needs the operator's Authorization: Bearer credential");
        }
    }

    /** A request the handler refuses: status, FSPIOP error and why. */
    private static final class Refusal extends RuntimeException {
        final int status;
        final FspiopError error;

        Refusal(int status, FspiopError error, String why) {
            super(why, null, false, false);
            this.status = status;
            this.error = error;
        }
    }

    private interface Handler {
        void handle(ServerRequest req, ServerResponse res);
    }

    private io.helidon.webserver.http.Handler guarded(Handler handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res);
            } catch (Refusal r) {
                error(res, r.status, r.error, r.getMessage());
            } catch (RuntimeException e) {
                log.error("admin {} {} failed", req.prologue().method().text(), req.path().path(), e);
                error(res, 500, FspiopError.INTERNAL_SERVER_ERROR, "see the hub's log");
            }
        };
    }

    private static void error(ServerResponse res, int status, FspiopError error, String why) {
        ObjectNode body = AdminJson.object();
        body.putObject("errorInformation").put("errorCode", Integer.toString(error.code()))
                .put("errorDescription", error.describe(why));
        send(res, status, body);
    }

    private static void send(ServerResponse res, int status, JsonNode body) {
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, "application/json").send(AdminJson.write(body));
    }

    private static Refusal invalid(String why) {
        return new Refusal(400, FspiopError.GENERIC_VALIDATION_ERROR, why);
    }

    private Participant participant(ServerRequest req) {
        String name = req.path().pathParameters().get("name");
        // 400, not 404: central-ledger's answer, which Mojaloop's collections check
        return view.participant(name).orElseThrow(() -> new Refusal(400, FspiopError.GENERIC_ID_NOT_FOUND,
                "participant '" + AdminJson.printable(name) + "' is not registered"));
    }

    /** 2xx when applied, 400 with the participant's reason when refused, 202 when recorded but not yet applied. */
    private void answer(ServerResponse res, Outcome outcome, int status, Supplier<JsonNode> body) {
        switch (outcome) {
            case Applied a -> {
                if (body == null) {
                    res.status(Status.create(status)).send();
                } else {
                    send(res, status, body.get());
                }
            }
            case Refused r -> {
                ObjectNode json = AdminJson.object();
                json.putObject("errorInformation").put("errorCode", Integer.toString(r.errorCode()))
                        .put("errorDescription", r.errorDescription());
                send(res, 400, json);
            }
            case Pending p -> send(res, 202, AdminJson.object().put("message", p.why()));
            case NotRecorded n -> error(res, 503, FspiopError.SERVICE_UNAVAILABLE, n.why());
        }
    }

    /** Runs commands in order, stopping at the first that does not apply. */
    private Outcome all(List<Supplier<Outcome>> steps) {
        Outcome last = new Applied();
        for (Supplier<Outcome> step : steps) {
            last = step.get();
            if (!(last instanceof Applied)) {
                return last;
            }
        }
        return last;
    }

    private Outcome submit(String participant, SpecificRecord command, BooleanSupplier satisfied) {
        return commands.submit(participant, command, satisfied);
    }

    private boolean holds(String name, java.util.function.Predicate<Participant> condition) {
        return view.participant(name).map(condition::test).orElse(false);
    }

    // ---- participants ----

    private void list(ServerRequest req, ServerResponse res) {
        ArrayNode list = AdminJson.array();
        view.all().forEach(p -> list.add(AdminJson.participant(p, base(req))));
        send(res, 200, list);
    }

    private void one(ServerRequest req, ServerResponse res) {
        send(res, 200, AdminJson.participant(participant(req), base(req)));
    }

    /** central-ledger: a new name creates the participant with the currency; a known one gains the currency. */
    private void create(ServerRequest req, ServerResponse res) {
        JsonNode body = AdminJson.body(req);
        String name = AdminJson.text(body, "name");
        String currency = AdminJson.currency(body, "currency");
        if (!NAME.matcher(name).matches()) {
            throw invalid("name must be 2 to 30 letters, digits, '_', '.' or '-'");
        }
        if (name.equalsIgnoreCase(hubName)) {
            throw invalid("name " + name + " is the hub's own");
        }
        if (holds(name, p -> p.account(currency).isPresent())) {
            throw new Refusal(400, FspiopError.GENERIC_CLIENT_ERROR, "Participant currency has already been registered");
        }
        Outcome outcome = all(List.of(
                () -> submit(name, new CreateParticipant(name), () -> view.participant(name).isPresent()),
                () -> submit(name, new AddCurrency(name, currency), () -> holds(name, p -> p.account(currency).isPresent()))));
        answer(res, outcome, 201, () -> AdminJson.participant(view.participant(name).orElseThrow(), base(req)));
    }

    private void setActive(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        JsonNode body = AdminJson.body(req);
        JsonNode active = body.get("isActive");
        if (active == null || !active.isBoolean()) {
            throw invalid("isActive must be true or false");
        }
        boolean value = active.booleanValue();
        answer(res, submit(p.name(), new SetParticipantActive(p.name(), value), () -> holds(p.name(), q -> q.active() == value)),
                200, () -> AdminJson.participant(view.participant(p.name()).orElseThrow(), base(req)));
    }

    /**
     * The hub's own accounts, as Mojaloop's hub setup creates them: the hub is a participant (created on first use,
     * as central-ledger has one from the start) and a currency added to it stands for both its
     * HUB_MULTILATERAL_SETTLEMENT and HUB_RECONCILIATION accounts. A currency it holds already is 400, as
     * central-ledger answers an account that exists.
     */
    private void hubAccount(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        if (!name.equals(hubName)) {
            throw invalid("Endpoint is reserved for creation of Hub account types only.");
        }
        JsonNode body = AdminJson.body(req);
        String type = AdminJson.text(body, "type");
        String currency = AdminJson.currency(body, "currency");
        if (!type.equals("HUB_MULTILATERAL_SETTLEMENT") && !type.equals("HUB_RECONCILIATION")) {
            throw invalid("The requested hub operator account type is not allowed.");
        }
        Participant hub = hubParticipant();
        if (hub.account(currency).isPresent()) {
            throw new Refusal(400, FspiopError.GENERIC_CLIENT_ERROR, "Hub account has already been registered");
        }
        answer(res, submit(hubName, new AddCurrency(hubName, currency), () -> holds(hubName, q -> q.account(currency).isPresent())),
                201, () -> hubAccounts(view.participant(hubName).orElseThrow()));
    }

    /** The hub's participant, created (and awaited) when it does not exist yet. */
    private Participant hubParticipant() {
        Optional<Participant> hub = view.participant(hubName);
        if (hub.isPresent()) {
            return hub.get();
        }
        Outcome created = submit(hubName, new CreateParticipant(hubName), () -> view.participant(hubName).isPresent());
        return view.participant(hubName).orElseThrow(() -> new Refusal(503, FspiopError.SERVICE_UNAVAILABLE,
                "the hub's participant is not created yet (" + created.getClass().getSimpleName() + "); retry"));
    }

    /**
     * HUB_RECONCILIATION holds the counterpart of the participants' funds in and out, as in central-ledger;
     * HUB_MULTILATERAL_SETTLEMENT stays 0, since settlements are not moved through the hub's accounts here.
     */
    private ArrayNode hubAccounts(Participant hub) {
        ArrayNode list = AdminJson.array();
        int id = 1;
        for (Account a : hub.accounts()) {
            for (String type : List.of("HUB_MULTILATERAL_SETTLEMENT", "HUB_RECONCILIATION")) {
                ObjectNode account = list.addObject().put("id", id++).put("ledgerAccountType", type)
                        .put("currency", a.currency()).put("isActive", 1);
                long value = type.equals("HUB_RECONCILIATION") ? view.reconciliationMinor(a.currency()) : 0;
                account.set("value", AdminJson.amount(value, a.currency()));
                account.set("reservedValue", AdminJson.amount(0, a.currency()));
            }
        }
        return list;
    }

    // ---- endpoints ----

    private void addEndpoint(ServerRequest req, ServerResponse res) {
        Participant p = hubName.equals(req.path().pathParameters().get("name")) ? hubParticipant() : participant(req);
        JsonNode body = AdminJson.body(req);
        String type = AdminJson.text(body, "type");
        String value = AdminJson.text(body, "value");
        answer(res, submit(p.name(), new SetCallbackEndpoint(p.name(), type, value),
                () -> holds(p.name(), q -> value.equals(q.endpoints().get(type)))), 201, null);
    }

    private void endpoints(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        Optional<String> type = req.query().first("type").asOptional();
        if (type.isPresent()) {
            String value = p.endpoints().get(type.get());
            send(res, 200, value == null ? AdminJson.object() : AdminJson.object().put("type", type.get()).put("value", value));
            return;
        }
        ArrayNode list = AdminJson.array();
        p.endpoints().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> list.addObject().put("type", e.getKey()).put("value", e.getValue()));
        send(res, 200, list);
    }

    // ---- limits and positions ----

    /** central-ledger order: the initial position (once, before any transfer), then the net debit cap. */
    private void initialPositionAndLimits(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        JsonNode body = AdminJson.body(req);
        String currency = AdminJson.currency(body, "currency");
        account(p, currency);
        long cap = AdminJson.netDebitCap(body, currency);
        long initial = body.hasNonNull("initialPosition") ? AdminJson.minor(body.get("initialPosition"), currency,
                "initialPosition", true) : 0;
        answer(res, all(List.of(
                () -> submit(p.name(), new SetInitialPosition(p.name(), currency, initial), () -> false),
                () -> submit(p.name(), new SetNetDebitCap(p.name(), currency, cap),
                        () -> holds(p.name(), q -> q.account(currency).map(a -> a.netDebitCapMinor() == cap).orElse(false))))),
                201, null);
    }

    private void adjustLimits(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        JsonNode body = AdminJson.body(req);
        String currency = AdminJson.currency(body, "currency");
        account(p, currency);
        long cap = AdminJson.netDebitCap(body, currency);
        answer(res, submit(p.name(), new SetNetDebitCap(p.name(), currency, cap),
                        () -> holds(p.name(), q -> q.account(currency).map(a -> a.netDebitCapMinor() == cap).orElse(false))),
                200, () -> AdminJson.limit(account(view.participant(p.name()).orElseThrow(), currency)));
    }

    private void limits(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        Optional<String> currency = req.query().first("currency").asOptional();
        checkLimitType(req);
        ArrayNode list = AdminJson.array();
        p.accounts().stream().filter(a -> currency.map(a.currency()::equals).orElse(true))
                .forEach(a -> list.add(AdminJson.limit(a)));
        send(res, 200, list);
    }

    private void allLimits(ServerRequest req, ServerResponse res) {
        Optional<String> currency = req.query().first("currency").asOptional();
        checkLimitType(req);
        ArrayNode list = AdminJson.array();
        view.all().forEach(p -> p.accounts().stream().filter(a -> currency.map(a.currency()::equals).orElse(true))
                .forEach(a -> list.add(AdminJson.limit(a).put("name", p.name()))));
        send(res, 200, list);
    }

    private static void checkLimitType(ServerRequest req) {
        var type = req.query().first("type").asOptional();
        if (type.isPresent() && !type.get().equals("NET_DEBIT_CAP")) {
            throw invalid("limit type " + AdminJson.printable(type.get()) + " is not supported; Mizani keeps NET_DEBIT_CAP");
        }
    }

    private void positions(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        Optional<String> currency = req.query().first("currency").asOptional();
        if (currency.isPresent()) {
            send(res, 200, AdminJson.position(account(p, currency.get())));
            return;
        }
        ArrayNode list = AdminJson.array();
        p.accounts().forEach(a -> list.add(AdminJson.position(a)));
        send(res, 200, list);
    }

    private void accounts(ServerRequest req, ServerResponse res) {
        if (hubName.equals(req.path().pathParameters().get("name"))) {
            send(res, 200, hubAccounts(hubParticipant()));
            return;
        }
        Participant p = participant(req);
        ArrayNode list = AdminJson.array();
        p.accounts().forEach(a -> AdminJson.accounts(a, p.active(), list));
        send(res, 200, list);
    }

    private static Account account(Participant p, String currency) {
        return p.account(currency).orElseThrow(() -> invalid(p.name() + " has no " + AdminJson.printable(currency) + " account"));
    }

    // ---- funds in and out ----

    private Account settlementAccount(Participant p, ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        int accountId;
        try {
            accountId = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw invalid("account id must be a number");
        }
        Account a = p.accountById(accountId).orElseThrow(() -> new Refusal(404, FspiopError.GENERIC_ID_NOT_FOUND,
                "account " + accountId + " of " + p.name() + " does not exist"));
        if (a.settlementAccountId() != accountId) {
            throw invalid("Only settlement account types are allowed; account " + accountId + " is a position account");
        }
        return a;
    }

    private void recordFunds(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        Account a = settlementAccount(p, req);
        JsonNode body = AdminJson.body(req);
        String id = fundsTransferId(AdminJson.text(body, "transferId"));
        AdminJson.text(body, "externalReference");
        String action = AdminJson.text(body, "action");
        JsonNode amount = body.get("amount");
        if (amount == null || !amount.isObject()) {
            throw invalid("amount {amount, currency} is required");
        }
        String currency = AdminJson.currency(amount, "currency");
        if (!currency.equals(a.currency())) {
            throw invalid("amount.currency " + currency + " is not the account's currency " + a.currency());
        }
        long minor = AdminJson.minor(amount.get("amount"), currency, "amount.amount", false);
        if (minor <= 0) {
            throw invalid("amount.amount must be positive");
        }
        SpecificRecord command = switch (action) {
            case "recordFundsIn" -> new RecordFundsIn(p.name(), currency, minor, id);
            case "recordFundsOutPrepareReserve" -> new ReserveFundsOut(p.name(), currency, minor, id);
            default -> throw invalid("action is missing or not supported: use recordFundsIn or recordFundsOutPrepareReserve");
        };
        answer(res, submit(p.name(), command, () -> holds(p.name(), q -> q.fundsTransferIds().contains(id)
                || q.fundsOutPending().contains(id))), 202, null);
    }

    private void settleFundsOut(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        settlementAccount(p, req);
        String id = fundsTransferId(req.path().pathParameters().get("transferId"));
        JsonNode body = AdminJson.body(req);
        String action = AdminJson.text(body, "action");
        SpecificRecord command = switch (action) {
            case "recordFundsOutCommit" -> new CommitFundsOut(p.name(), id);
            case "recordFundsOutAbort" -> new AbortFundsOut(p.name(), id);
            default -> throw invalid("action is missing or not supported: use recordFundsOutCommit or recordFundsOutAbort");
        };
        answer(res, submit(p.name(), command, () -> holds(p.name(), q -> q.fundsTransferIds().contains(id)
                && !q.fundsOutPending().contains(id))), 202, null);
    }

    private static String fundsTransferId(String id) {
        if (!FUNDS_TRANSFER_ID.matcher(id).matches()) {
            throw invalid("transferId must be a UUID or a ULID");
        }
        return id;
    }

    // ---- Mizani's additions: credentials and rate limits ----

    /** Issues a new credential (shown once, in this response); the previous one stops working. */
    private void issueCredential(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        String credential = Credentials.issue();
        setCredential(res, p, credential);
    }

    /** Registers a credential the operator chose (at least 32 characters), e.g. one shared with a DFSP's vault. */
    private void registerCredential(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        String credential = AdminJson.text(AdminJson.body(req), "credential");
        if (credential.length() < Credentials.REGISTERED_LENGTH_MIN || credential.length() > 512
                || !credential.matches("[\\x21-\\x7e]+")) {
            throw invalid("credential must be " + Credentials.REGISTERED_LENGTH_MIN + " to 512 printable ASCII characters");
        }
        setCredential(res, p, credential);
    }

    /** Only the credential's keyed hash leaves this method (onto the participant's stream): see {@link CredentialKey}. */
    private void setCredential(ServerResponse res, Participant p, String credential) {
        String hash = credentialKey.digest(credential);
        answer(res, submit(p.name(), new SetCredential(p.name(), hash),
                () -> view.holderOf(hash).map(p.name()::equals).orElse(false)), 201,
                () -> AdminJson.object().put("name", p.name()).put("credential", credential));
    }

    private void rateLimit(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        send(res, 200, AdminJson.rateLimit(p));
    }

    private void setRateLimit(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        JsonNode body = AdminJson.body(req);
        int rate = AdminJson.nonNegativeInt(body, "requestsPerSecond");
        int burst = AdminJson.nonNegativeInt(body, "burst");
        answer(res, submit(p.name(), new SetRateLimit(p.name(), rate, burst),
                        () -> holds(p.name(), q -> q.requestsPerSecond() == rate && q.burst() == burst)),
                200, () -> AdminJson.rateLimit(view.participant(p.name()).orElseThrow()));
    }

    /**
     * Registers the RSA public key (PEM) this participant signs its FSPIOP requests with; with
     * {@code MIZANI_JWS_VERIFY=true} the gateway refuses its requests whose signature does not verify with it (3105).
     */
    private void setJwsPublicKey(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        String pem = AdminJson.pem(AdminJson.body(req), "publicKey");
        if (!JwsKeys.isRsaPublicKey(pem)) {
            throw invalid("publicKey must be an RSA public key of 2048 bits or more in PEM (BEGIN PUBLIC KEY)");
        }
        java.security.PublicKey key = JwsKeys.rsaPublicKey(pem);
        answer(res, submit(p.name(), new SetJwsPublicKey(p.name(), pem), () -> key.equals(view.jwsKey(p.name()))),
                200, () -> AdminJson.object().put("name", p.name()).put("publicKey", pem.strip()));
    }

    private void jwsPublicKey(ServerRequest req, ServerResponse res) {
        Participant p = participant(req);
        java.security.PublicKey key = view.jwsKey(p.name());
        if (key == null) {
            throw new Refusal(404, FspiopError.GENERIC_ID_NOT_FOUND, "no JWS public key is registered for " + p.name());
        }
        send(res, 200, AdminJson.object().put("name", p.name())
                .put("publicKey", dev.mizani.gateway.security.Jws.pem("PUBLIC KEY", key.getEncoded()).strip()));
    }

    private static String base(ServerRequest req) {
        return req.requestedUri().scheme() + "://" + req.requestedUri().authority();
    }

    @Override
    public void close() {
        server.stop();
    }

    static RuntimeException badJson(JsonProcessingException e) {
        return invalid("the body is not valid JSON: " + e.getOriginalMessage());
    }

    static RuntimeException invalidBody(String why) {
        return invalid(why);
    }

    /** A field whose syntax is wrong (as against a value the hub cannot take): 3101, as central-ledger answers it. */
    static RuntimeException malformedBody(String why) {
        return new Refusal(400, FspiopError.MALFORMED_SYNTAX, why);
    }
}
