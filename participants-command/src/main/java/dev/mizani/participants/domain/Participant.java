package dev.mizani.participants.domain;

import java.util.Map;
import java.util.Set;

/** A participant's state: absent until created, then registered with one account per currency. */
public sealed interface Participant {

    record Absent() implements Participant {}

    /**
     * @param fundsTransferIds funds in/out already applied, so an operator's retry applies nothing twice
     * @param endpoints        callback URL by FSPIOP endpoint type
     */
    record Registered(String name, boolean active, Map<String, Account> accounts, Set<String> fundsTransferIds,
                      Map<String, String> endpoints) implements Participant {}

    /** The FSPIOP endpoint types the hub delivers transfer callbacks to. */
    Set<String> ENDPOINT_TYPES = Set.of("FSPIOP_CALLBACK_URL_TRANSFER_POST", "FSPIOP_CALLBACK_URL_TRANSFER_PUT",
            "FSPIOP_CALLBACK_URL_TRANSFER_ERROR");

    /**
     * One currency of a participant. Positions are net debit positions in minor units: a payer's grows
     * when a transfer commits, a payee's falls. {@code pending} holds the reservations of transfers
     * still in flight; {@code reservedMinor} is always their sum.
     */
    record Account(long positionMinor, long reservedMinor, long netDebitCapMinor, long liquidityCoverMinor,
                   boolean initialPositionSet, Map<String, Reservation> pending) {

        /** Position plus what is reserved: what the payer would owe if everything in flight commits. */
        long exposureMinor() {
            return Math.addExact(positionMinor, reservedMinor);
        }

        static Account opened() {
            return new Account(0, 0, 0, 0, false, Map.of());
        }
    }

    record Reservation(String payeeFsp, long amountMinor) {}
}
