package dev.mizani.loadtest.ftps;

import dev.mizani.loadtest.ftps.Flights.Flight;
import java.time.Instant;

/** How the simulated payer starts a transfer (the payee's answers follow from what the hub tells it). */
interface TransferDriver extends AutoCloseable {
    void prepare(Flight f, String amount, String condition, Instant expiration);
}
