package dev.mizani.platform.testing;

/** Thrown from a processor hook to stop it dead at that point, as if the process had been killed there. */
public final class SimulatedCrash extends Error {
    public SimulatedCrash(String where) {
        super("simulated crash " + where);
    }
}
