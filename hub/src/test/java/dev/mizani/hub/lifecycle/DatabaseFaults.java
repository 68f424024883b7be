package dev.mizani.hub.lifecycle;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/** The real database as one component sees it, with a fault it can be given on demand: PostgreSQL itself is untouched. */
final class DatabaseFaults {
    private DatabaseFaults() {}

    /** The commit after {@code loseAnswer} is set goes through and then fails, as if the connection dropped before the answer. */
    static DataSource losingACommitsAnswer(DataSource real, AtomicBoolean loseAnswer) {
        return proxy(DataSource.class, real, (method, result) -> method.getName().equals("getConnection")
                ? proxy(Connection.class, (Connection) result, (m, r) -> {
                    if (m.getName().equals("commit") && loseAnswer.getAndSet(false)) {
                        throw new SQLException("connection lost after the commit was sent (simulated)", "08006");
                    }
                    return r;
                })
                : result);
    }

    /** The next connection asked for after {@code pauseMs} is set comes that much later: a process paused (GC, VM). */
    static DataSource pausingOnce(DataSource real, AtomicLong pauseMs) {
        return proxy(DataSource.class, real, (method, result) -> {
            long ms = method.getName().equals("getConnection") ? pauseMs.getAndSet(0) : 0;
            if (ms > 0) {
                Thread.sleep(ms);
            }
            return result;
        });
    }

    private interface After {
        Object apply(Method method, Object result) throws Exception;
    }

    private static <T> T proxy(Class<T> type, T real, After after) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            Object result;
            try {
                result = method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return after.apply(method, result);
        }));
    }
}
