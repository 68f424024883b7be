package dev.mizani.transfers.handler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Transfers this process's handler has ended, recorded once their terminal event is committed, for the expiry
 * scheduler of the same process: a due transfer found here has ended without asking the event store. A hint only:
 * bounded (the oldest go first), empty after a restart, blind to other processes' handlers; a transfer not found here
 * is asked of the store. Thread-safe.
 */
public final class EndedTransfers {
    private final Map<String, Boolean> ids;

    /** @param capacity how many ended transfers are remembered; 0 remembers none */
    public EndedTransfers(int capacity) {
        this.ids = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized void ended(String transferId) {
        ids.put(transferId, Boolean.TRUE);
    }

    /** Whether the transfer is known to have ended; it is forgotten either way, as its timer is done with it. */
    synchronized boolean take(String transferId) {
        return ids.remove(transferId) != null;
    }
}
