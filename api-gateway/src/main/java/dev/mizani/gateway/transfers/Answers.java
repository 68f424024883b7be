package dev.mizani.gateway.transfers;

import dev.mizani.platform.http.HttpServer.Reply;
import dev.mizani.platform.metrics.Metrics;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transfers API's answers counted by route and HTTP status, as {@code mizani_gateway_answers_total}, and timed
 * by route from the request's arrival to its answer, as {@code mizani_gateway_answer_seconds}. A (route, status)
 * pair's counter is registered the first time it is answered; after that, counting one is a map lookup and an add.
 */
final class Answers {
    static final int PREPARE = 0;
    static final int ANSWER = 1;
    static final int ERROR = 2;
    static final int LOOKUP = 3;
    static final int OTHER = 4;
    private static final String[] ROUTES = {"POST /transfers", "PUT /transfers/{ID}", "PUT /transfers/{ID}/error",
            "GET /transfers/{ID}", "other"};

    private final Metrics metrics;
    private final ConcurrentHashMap<Integer, Metrics.Counter> counters = new ConcurrentHashMap<>();
    private final Metrics.Histogram[] durations = new Metrics.Histogram[ROUTES.length];

    Answers(Metrics metrics) {
        this.metrics = metrics;
        for (int route = 0; route < ROUTES.length; route++) {
            durations[route] = metrics.histogram("mizani_gateway_answer_seconds",
                    "Time from a request's arrival to its answer, by route of the FSPIOP transfers API", Metrics.SECONDS,
                    "route", ROUTES[route]);
        }
    }

    /** Counts the reply, times it from {@code arrivedNs} ({@link System#nanoTime()}), and hands it back. */
    Reply count(int route, long arrivedNs, Reply reply) {
        durations[route].observeNanos(System.nanoTime() - arrivedNs);
        return count(route, reply);
    }

    /** Counts the reply (a refusal by its FSPIOP error code too) and hands it back. */
    Reply count(int route, Reply reply) {
        counters.computeIfAbsent(route * 1000 + reply.status(), k -> metrics.counter("mizani_gateway_answers_total",
                "Answers of the FSPIOP transfers API by route and HTTP status", "route", ROUTES[route],
                "status", Integer.toString(reply.status()))).inc();
        if (reply.status() >= 400) {
            String code = errorCode(reply.body());
            refusals.computeIfAbsent(route + " " + code, k -> metrics.counter("mizani_gateway_refusals_total",
                    "Requests the FSPIOP transfers API refused, by route and FSPIOP error code", "route", ROUTES[route],
                    "code", code)).inc();
        }
        return reply;
    }

    /** The {@code errorInformation.errorCode} of a refusal's body: four digits after {@code "errorCode":"}, or "none". */
    static String errorCode(byte[] body) {
        byte[] key = ERROR_CODE_KEY;
        outer:
        for (int i = 0; i + key.length + 4 <= body.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (body[i + j] != key[j]) {
                    continue outer;
                }
            }
            int at = i + key.length;
            for (int d = 0; d < 4; d++) {
                if (body[at + d] < '0' || body[at + d] > '9') {
                    return "none";
                }
            }
            return new String(body, at, 4, java.nio.charset.StandardCharsets.US_ASCII);
        }
        return "none";
    }

    private static final byte[] ERROR_CODE_KEY = "\"errorCode\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private final ConcurrentHashMap<String, Metrics.Counter> refusals = new ConcurrentHashMap<>();
}
