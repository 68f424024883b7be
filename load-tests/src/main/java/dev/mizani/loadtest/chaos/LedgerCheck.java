package dev.mizani.loadtest.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantDecider;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.participants.handler.ParticipantCodec;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.SchemaRegistryClient;
import dev.mizani.transfers.domain.TransferEvent;
import dev.mizani.transfers.handler.TransferCodec;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ledger after a chaos run, from three places that must agree: the event store (every stream folded by the
 * deciders' own evolution), the admin API and the query API. Checks that every transfer ended exactly once and
 * none is stuck; that each commit moved its amount once from the payer and once to the payee, and nothing moved
 * for a transfer that did not commit; that every participant's position is its initial position plus what it
 * paid less what it was paid, stream by stream, with nothing reserved; conservation per currency; and that both
 * APIs show exactly the event store's positions.
 */
final class LedgerCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TERMINAL = Set.of("TransferCommitted", "TransferAborted", "TransferExpired",
            "TransferPrepareRejected");
    private static final Set<String> AFTER_TERMINAL = Set.of("LateReservationReleased", "TransferDuplicateReported",
            "TransferRequestRefused");

    record Result(List<String> violations, long transfers, long committed, long aborted, long expired, long rejected) {
        boolean passed() {
            return violations.isEmpty();
        }
    }

    private record Commit(String payer, String payee, String currency, long amount) {}

    private final List<String> violations = new ArrayList<>();
    private final Map<String, Commit> commits = new HashMap<>();
    private final Map<String, Integer> payerSides = new HashMap<>();
    private final Map<String, Integer> payeeSides = new HashMap<>();
    private final Map<String, Participant> participants = new HashMap<>();
    private final Map<String, Long> initial = new HashMap<>();
    private long transfers;
    private long committed;
    private long aborted;
    private long expired;
    private long rejected;

    static Result check(String jdbc, String registryUrl, String admin, String query, String token, List<String> dfsps,
                        Set<String> accepted) throws Exception {
        LedgerCheck check = new LedgerCheck();
        CachedSchemaRegistry registry = new CachedSchemaRegistry(new SchemaRegistryClient(registryUrl, Duration.ofSeconds(10)));
        check.readEventStore(jdbc, new TransferCodec(registry), new ParticipantCodec(registry, reserve -> null), accepted);
        check.sides();
        check.positions();
        check.views(admin, query, token, dfsps);
        return new Result(check.violations, check.transfers, check.committed, check.aborted, check.expired, check.rejected);
    }

    private void readEventStore(String jdbc, TransferCodec transferCodec, ParticipantCodec participantCodec,
                                Set<String> accepted) throws Exception {
        ParticipantDecider decider = new ParticipantDecider();
        Set<String> seen = new java.util.HashSet<>();
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "select stream_id, version, event_type, payload from events order by stream_id, version")) {
                ps.setFetchSize(5_000);
                try (ResultSet rs = ps.executeQuery()) {
                    String stream = null;
                    long version = 0;
                    int terminals = 0;
                    String last = null;
                    while (rs.next()) {
                        String s = rs.getString(1);
                        if (!s.equals(stream)) {
                            endTransfer(stream, terminals, last);
                            stream = s;
                            version = 0;
                            terminals = 0;
                            if (s.startsWith("transfer-")) {
                                transfers++;
                                seen.add(s.substring("transfer-".length()));
                            }
                        }
                        if (rs.getLong(2) != ++version) {
                            violations.add("stream " + s + ": version " + rs.getLong(2) + " where " + version + " was due");
                        }
                        String type = rs.getString(3);
                        if (s.startsWith("transfer-")) {
                            if (terminals > 0 && !AFTER_TERMINAL.contains(type)) {
                                violations.add("transfer " + s + ": " + type + " after its end");
                            }
                            if (TERMINAL.contains(type)) {
                                terminals++;
                                count(type);
                                if (type.equals("TransferCommitted")
                                        && transferCodec.decodeEvent(rs.getBytes(4)) instanceof TransferEvent.TransferCommitted t) {
                                    commits.put(t.transferId(), new Commit(t.payerFsp(), t.payeeFsp(), t.currency(), t.amountMinor()));
                                }
                            }
                            last = type;
                        } else {
                            String name = s.substring("participant-".length());
                            ParticipantEvent e = participantCodec.decodeEvent(rs.getBytes(4));
                            participants.put(name, decider.evolve(participants.getOrDefault(name, decider.initialState()), e));
                            for (ParticipantEvent fact : ParticipantEvent.factsOf(e)) {
                                switch (fact) {
                                    case ParticipantEvent.PayerFundsCommitted p -> payerSides.merge(p.transferId(), 1, Integer::sum);
                                    case ParticipantEvent.PayeeFundsCommitted p -> payeeSides.merge(p.transferId(), 1, Integer::sum);
                                    case ParticipantEvent.InitialPositionSet i -> initial.merge(name + '/' + i.currency(),
                                            i.positionMinor(), (a, b) -> b);
                                    default -> { }
                                }
                            }
                        }
                    }
                    endTransfer(stream, terminals, last);
                }
            }
        }
        for (String id : accepted) {
            if (!seen.contains(id)) {
                violations.add("transfer " + id + " was accepted (202) but never reached the event store");
            }
        }
    }

    private void count(String terminal) {
        switch (terminal) {
            case "TransferCommitted" -> committed++;
            case "TransferAborted" -> aborted++;
            case "TransferExpired" -> expired++;
            default -> rejected++;
        }
    }

    private void endTransfer(String stream, int terminals, String last) {
        if (stream != null && stream.startsWith("transfer-") && terminals != 1) {
            violations.add("transfer " + stream + " has " + terminals + " terminal events (last: " + last + ")");
        }
    }

    /** Each commit moved money once on each side; no side for a transfer that did not commit. */
    private void sides() {
        for (var e : commits.entrySet()) {
            int payer = payerSides.getOrDefault(e.getKey(), 0);
            int payee = payeeSides.getOrDefault(e.getKey(), 0);
            if (payer != 1 || payee != 1) {
                violations.add("transfer " + e.getKey() + " committed: payer debited " + payer + " times, payee credited "
                        + payee + " times");
            }
        }
        for (String id : payerSides.keySet()) {
            if (!commits.containsKey(id)) {
                violations.add("payer debited for transfer " + id + ", which did not commit");
            }
        }
        for (String id : payeeSides.keySet()) {
            if (!commits.containsKey(id)) {
                violations.add("payee credited for transfer " + id + ", which did not commit");
            }
        }
    }

    /** Position = initial + paid - received, per participant and currency; nothing reserved; conservation. */
    private void positions() {
        Map<String, Long> expected = new HashMap<>(initial);
        for (Commit c : commits.values()) {
            expected.merge(c.payer() + '/' + c.currency(), c.amount(), Long::sum);
            expected.merge(c.payee() + '/' + c.currency(), -c.amount(), Long::sum);
        }
        Map<String, Long> conservation = new HashMap<>();
        participants.forEach((name, state) -> {
            if (!(state instanceof Participant.Registered p)) {
                return;
            }
            p.accounts().forEach((currency, a) -> {
                long want = expected.getOrDefault(name + '/' + currency, 0L);
                if (a.positionMinor() != want) {
                    violations.add(name + " " + currency + ": position " + a.positionMinor() + ", its initial position and "
                            + "committed transfers say " + want);
                }
                if (a.reservedMinor() != 0 || !a.pending().isEmpty()) {
                    violations.add(name + " " + currency + ": " + a.reservedMinor() + " still reserved for "
                            + a.pending().keySet());
                }
                conservation.merge(currency, a.positionMinor() - initial.getOrDefault(name + '/' + currency, 0L), Long::sum);
            });
        });
        conservation.forEach((currency, sum) -> {
            if (sum != 0) {
                violations.add("conservation " + currency + ": positions moved by " + sum + " in all, not 0");
            }
        });
    }

    /** The admin API and the query API show each DFSP's position and reserved amount as the event store has them. */
    private void views(String admin, String query, String token, List<String> dfsps) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String name : dfsps) {
            if (!(participants.get(name) instanceof Participant.Registered p) || !p.accounts().containsKey("USD")) {
                violations.add(name + " is not in the event store");
                continue;
            }
            Participant.Account a = p.accounts().get("USD");
            for (JsonNode account : JSON.readTree(get(http, admin + "/participants/" + name + "/accounts", token))) {
                if (account.get("ledgerAccountType").asText().equals("POSITION")) {
                    compare("admin API", name, minor(account.get("value")), minor(account.get("reservedValue")), a);
                }
            }
            for (JsonNode position : JSON.readTree(get(http, query + "/participants/" + name + "/positions", token))
                    .get("positions")) {
                compare("query API", name, minor(position.get("position")), minor(position.get("reserved")), a);
            }
        }
    }

    private void compare(String view, String name, long position, long reserved, Participant.Account a) {
        if (position != a.positionMinor() || reserved != a.reservedMinor()) {
            violations.add(view + " shows " + name + " at position " + position + " reserved " + reserved
                    + "; the event store says " + a.positionMinor() + " and " + a.reservedMinor());
        }
    }

    private static long minor(JsonNode amount) {
        return new BigDecimal(amount.asText()).movePointRight(2).longValueExact();
    }

    private static String get(HttpClient http, String url, String token) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
