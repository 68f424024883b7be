package dev.mizani.loadtest.ftps;

import dev.mizani.loadtest.ftps.Flights.Flight;
import java.time.Instant;

/**
 * How the simulated payer starts a transfer (the payee's answers follow from what the hub tells it). Called on
 * the arrival thread, so it queues the request and returns: a refusal or failure arrives later, through
 * {@link Flights#refused}.
 */
interface TransferDriver extends AutoCloseable {
    void prepare(Flight f, String amount, String condition, Instant expiration);
}
