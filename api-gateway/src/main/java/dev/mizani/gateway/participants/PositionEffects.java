package dev.mizani.gateway.participants;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Which transfers' position changes the participants view has applied, so that a callback telling a transfer's end
 * can wait until the positions a DFSP reads next include it, as central-ledger's position handler runs before its
 * notification. A commit moves the payer's reservation into its position and credits the payee; an abort or expiry
 * releases the payer's reservation: {@link #commit} and {@link #release} name them.
 *
 * <p>Remembers the last {@code capacity} changes (insertion order): a callback is sent within seconds of the event that
 * asks for it, and one whose changes were forgotten waits only for the caller's time limit.
 */
public final class PositionEffects {
    private final int capacity;
    private final Map<String, Boolean> applied;
    private final Map<String, CompletableFuture<Void>> waiting = new HashMap<>();

    PositionEffects(int capacity) {
        this.capacity = capacity;
        this.applied = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > PositionEffects.this.capacity;
            }
        };
    }

    public static List<String> commit(String transferId) {
        return List.of("commit-payer:" + transferId, "commit-payee:" + transferId);
    }

    public static List<String> release(String transferId) {
        return List.of("release:" + transferId);
    }

    /** The change a participant event made that a callback may wait for, or null. */
    static String of(Object participantEvent) {
        return switch (participantEvent) {
            case dev.mizani.schemas.participant.PayerFundsCommitted e -> "commit-payer:" + e.getTransferId();
            case dev.mizani.schemas.participant.PayeeFundsCommitted e -> "commit-payee:" + e.getTransferId();
            case dev.mizani.schemas.participant.PayerFundsReleased e -> "release:" + e.getTransferId();
            default -> null;
        };
    }

    synchronized void applied(String effect) {
        applied.put(effect, Boolean.TRUE);
        CompletableFuture<Void> w = waiting.remove(effect);
        if (w != null) {
            w.complete(null);
        }
    }

    /** Completes once every one of these changes has been applied (at once if they have). */
    CompletableFuture<Void> whenApplied(List<String> effects) {
        List<CompletableFuture<Void>> each = new java.util.ArrayList<>(effects.size());
        synchronized (this) {
            for (String effect : effects) {
                if (!applied.containsKey(effect)) {
                    each.add(waiting.computeIfAbsent(effect, k -> new CompletableFuture<>()));
                }
            }
        }
        return each.isEmpty() ? CompletableFuture.completedFuture(null)
                : CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
    }

    /** A waiter that gave up (its time limit passed) is dropped, so waiters stay bounded by what is being sent. */
    synchronized void forget(List<String> effects) {
        for (String effect : effects) {
            CompletableFuture<Void> w = waiting.get(effect);
            if (w != null && !w.isDone()) {
                waiting.remove(effect);
                w.complete(null);
            }
        }
    }
}
