package dev.mizani.participants.domain;

import java.util.Map;
import java.util.Set;

/** A participant's state: absent until created, then registered with one account per currency. */
public sealed interface Participant {

    record Absent() implements Participant {}

    /**
     * @param fundsTransferIds funds in/out already applied or aborted, so an operator's retry applies nothing twice
     * @param endpoints        callback URL by FSPIOP endpoint type
     * @param access           how the participant authenticates at the gateway and how fast it may call
     */
    record Registered(String name, boolean active, Map<String, Account> accounts, Set<String> fundsTransferIds,
                      Map<String, String> endpoints, Access access) implements Participant {

        Registered withActive(boolean value) {
            return new Registered(name, value, accounts, fundsTransferIds, endpoints, access);
        }

        Registered withAccounts(Map<String, Account> value) {
            return new Registered(name, active, value, fundsTransferIds, endpoints, access);
        }

        Registered withFundsTransferIds(Set<String> value) {
            return new Registered(name, active, accounts, value, endpoints, access);
        }

        Registered withEndpoints(Map<String, String> value) {
            return new Registered(name, active, accounts, fundsTransferIds, value, access);
        }

        Registered withAccess(Access value) {
            return new Registered(name, active, accounts, fundsTransferIds, endpoints, value);
        }
    }


    /**
     * One currency of a participant. Positions are net debit positions in minor units: a payer's grows
     * when a transfer commits, a payee's falls. {@code pending} holds the reservations of transfers
     * still in flight; {@code reservedMinor} is always their sum. {@code fundsOutPending} holds funds out
     * prepared but not yet committed or aborted: liquidity cover no transfer may use meanwhile.
     */
    record Account(long positionMinor, long reservedMinor, long netDebitCapMinor, long liquidityCoverMinor,
                   boolean initialPositionSet, Map<String, Reservation> pending, Map<String, Long> fundsOutPending) {

        /** Position plus what is reserved: what the payer would owe if everything in flight commits. */
        long exposureMinor() {
            return Math.addExact(positionMinor, reservedMinor);
        }

        long fundsOutReservedMinor() {
            long sum = 0;
            for (long amount : fundsOutPending.values()) {
                sum = Math.addExact(sum, amount);
            }
            return sum;
        }

        /** Liquidity cover less funds out in progress: what transfers may draw on. */
        public long usableCoverMinor() {
            return Math.subtractExact(liquidityCoverMinor, fundsOutReservedMinor());
        }

        static Account opened() {
            return new Account(0, 0, 0, 0, false, Map.of(), Map.of());
        }
    }

    record Reservation(String payeeFsp, long amountMinor) {}

    /**
     * @param credentialSha256   hex SHA-256 of the participant's gateway credential; null until one is issued
     * @param requestsPerSecond  sustained request rate at the gateway; 0 means the hub's default
     * @param burst              requests allowed at once above the sustained rate; 0 means the hub's default
     */
    record Access(String credentialSha256, int requestsPerSecond, int burst) {
        static final Access NONE = new Access(null, 0, 0);
    }
}
