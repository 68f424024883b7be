package dev.mizani.hub.simulation;

import java.sql.SQLException;
import java.util.Random;
import org.apache.kafka.common.KafkaException;

/**
 * Every fault the simulation injects, drawn from its one seeded {@link Random}: a database call that fails, a
 * commit that succeeded although the client was told it failed, the database or the broker away for a while,
 * a send whose acknowledgement is lost after some records were written, and the process dying between any
 * two side effects ({@link Crash}).
 */
final class SimFaults {
    /**
     * @param storeFailure  chance a store call fails before doing anything
     * @param unknownCommit chance a commit is applied and the client still told it failed
     * @param crash         chance the handler's process dies at a store or broker call (before or after it)
     * @param sendFailure   chance a send to the broker fails after writing part of the records
     * @param outage        chance per step that the database or the broker goes away (and, when away, comes back)
     */
    record Rates(double storeFailure, double unknownCommit, double crash, double sendFailure, double outage) {
        static final Rates NONE = new Rates(0, 0, 0, 0, 0);
    }

    /** The process dies here: nothing after this point of the turn happens, and its memory is gone. */
    static final class Crash extends RuntimeException {
        Crash(String where) {
            super("simulated crash " + where, null, false, false);
        }
    }

    final Random random;
    Rates rates;
    boolean databaseDown;
    boolean brokerDown;
    long storeFailures;
    long unknownCommits;
    long crashes;
    long sendFailures;
    long outages;

    SimFaults(Random random, Rates rates) {
        this.random = random;
        this.rates = rates;
    }

    boolean chance(double p) {
        return p > 0 && random.nextDouble() < p;
    }

    /** Before a store call: the database may be away, the call may fail, the process may die. */
    void beforeStoreCall(String what) throws SQLException {
        crashMaybe("before " + what);
        if (databaseDown) {
            storeFailures++;
            throw new SQLException("simulated: the database is down (" + what + ")", "08006");
        }
        if (chance(rates.storeFailure())) {
            storeFailures++;
            throw new SQLException("simulated: connection lost at " + what, "08006");
        }
    }

    /** After a commit was applied: the client may never learn it, or the process may die before it does. */
    void afterCommit() throws SQLException {
        crashMaybe("after commit");
        if (chance(rates.unknownCommit())) {
            unknownCommits++;
            throw new SQLException("simulated: connection lost during COMMIT; outcome unknown", "08006");
        }
    }

    void beforeSend() {
        crashMaybe("before publish");
        if (brokerDown) {
            sendFailures++;
            throw new KafkaException("simulated: the broker is unavailable");
        }
    }

    boolean sendFailsHere() {
        if (chance(rates.sendFailure())) {
            sendFailures++;
            return true;
        }
        return false;
    }

    void afterSend() {
        crashMaybe("after publish");
    }

    void crashMaybe(String where) {
        if (chance(rates.crash())) {
            crashes++;
            throw new Crash(where);
        }
    }

    /** Once a step: the database or the broker may go away, or come back. */
    void weather() {
        if (chance(rates.outage())) {
            outages++;
            if (random.nextBoolean()) {
                databaseDown = !databaseDown;
            } else {
                brokerDown = !brokerDown;
            }
        } else if ((databaseDown || brokerDown) && chance(0.2)) {
            databaseDown = false;
            brokerDown = false;
        }
    }

    @Override
    public String toString() {
        return "faults: " + storeFailures + " store failures, " + unknownCommits + " unknown commits, " + crashes
                + " crashes, " + sendFailures + " failed sends, " + outages + " outages";
    }
}
