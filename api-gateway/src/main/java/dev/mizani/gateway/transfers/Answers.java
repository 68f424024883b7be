package dev.mizani.gateway.transfers;

import dev.mizani.platform.http.HttpServer.Reply;
import dev.mizani.platform.metrics.Metrics;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transfers API's answers counted by route and HTTP status, as {@code mizani_gateway_answers_total}. A
 * (route, status) pair's counter is registered the first time it is answered; after that, counting one is a
 * map lookup and an add.
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

    Answers(Metrics metrics) {
        this.metrics = metrics;
    }

    /** Counts the reply and hands it back. */
    Reply count(int route, Reply reply) {
        counters.computeIfAbsent(route * 1000 + reply.status(), k -> metrics.counter("mizani_gateway_answers_total",
                "Answers of the FSPIOP transfers API by route and HTTP status", "route", ROUTES[route],
                "status", Integer.toString(reply.status()))).inc();
        return reply;
    }
}
