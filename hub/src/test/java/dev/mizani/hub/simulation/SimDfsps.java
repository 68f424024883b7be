package dev.mizani.hub.simulation;

import dev.mizani.schemas.participant.SetParticipantActive;
import dev.mizani.schemas.transfer.AbortTransfer;
import dev.mizani.schemas.transfer.FulfilTransfer;
import dev.mizani.schemas.transfer.PrepareTransfer;
import dev.mizani.schemas.transfer.RejectTransfer;
import dev.mizani.schemas.transfer.TransferReserved;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * The DFSPs: payers that prepare (mostly valid, some invalid, some repeated with the same or a changed
 * body) and payees that answer what reaches them (fulfil, wrong fulfilment, reject, abort, or nothing),
 * sometimes late, sometimes twice.
 */
final class SimDfsps {
    record DuplicatePrepare(String transferId, String commandId, boolean sameBody) {}

    private record Scheduled(Instant due, String key, String commandId, SpecificRecord payload) {}

    private final LedgerSimulation sim;
    private final Random random;
    int transfersMax;
    int transfersStarted;
    private long commandSeq;
    private final Map<String, byte[]> preimages = new HashMap<>();
    private final Map<String, PrepareTransfer> prepared = new HashMap<>();
    private final List<String> preparedIds = new ArrayList<>();
    private final Set<String> answered = new HashSet<>();
    private final Map<String, Instant> reactivateAt = new HashMap<>();
    private final List<Scheduled> scheduled = new ArrayList<>();
    final List<DuplicatePrepare> duplicatePrepares = new ArrayList<>();

    SimDfsps(LedgerSimulation sim) {
        this.sim = sim;
        this.random = sim.random;
    }

    void act() {
        int r = random.nextInt(100);
        if (r < 60 && transfersStarted < transfersMax) {
            prepare();
        } else if (r < 70 && !preparedIds.isEmpty()) {
            repeatPrepare();
        } else if (r < 73) {
            sim.fundsAction();
        } else if (r == 73 && random.nextInt(4) == 0) {
            String dfsp = LedgerSimulation.DFSPS.get(random.nextInt(LedgerSimulation.DFSPS.size()));
            sim.admin(dfsp, new SetParticipantActive(dfsp, false));
            reactivateAt.put(dfsp, sim.clock.now().plusMillis(1_000));
        }
        reactivateDue();
    }

    private void reactivateDue() {
        for (Iterator<Map.Entry<String, Instant>> it = reactivateAt.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> due = it.next();
            if (!due.getValue().isAfter(sim.clock.now())) {
                sim.admin(due.getKey(), new SetParticipantActive(due.getKey(), true));
                it.remove();
            }
        }
    }

    private void prepare() {
        String id = "t-" + (++transfersStarted);
        List<String> dfsps = LedgerSimulation.DFSPS;
        String payer = dfsps.get(random.nextInt(dfsps.size()));
        String payee = random.nextInt(40) == 0 ? payer
                : random.nextInt(40) == 0 ? "dfsp-f" : random.nextInt(60) == 0 ? "dfsp-ghost"
                : dfsps.get((dfsps.indexOf(payer) + 1 + random.nextInt(dfsps.size() - 1)) % dfsps.size());
        long minor = 1 + random.nextInt(30_000);
        String amount = random.nextInt(40) == 0 ? "1.005" : (minor / 100) + (minor % 100 == 0 ? "" : "." + two(minor % 100));
        String currency = random.nextInt(50) == 0 ? "EUR" : "USD";
        Instant expiration = random.nextInt(50) == 0 ? sim.clock.now().minusSeconds(1)
                : sim.clock.now().plusMillis(300 + random.nextInt(3_700));
        byte[] preimage = new byte[32];
        random.nextBytes(preimage);
        String condition = random.nextInt(50) == 0 ? "not-a-condition" : b64(sha256(preimage));
        preimages.put(id, preimage);
        PrepareTransfer body = new PrepareTransfer(id, payer, payee, amount, currency, "ilp-" + id, condition,
                expiration, "", null);
        body.setRequestHash(hash(body.toString()));
        if (send(id, body) != null) {
            prepared.put(id, body);
            preparedIds.add(id);
        }
    }

    private static String two(long cents) {
        String s = (cents < 10 ? "0" : "") + cents;
        return s.endsWith("0") ? s.substring(0, 1) : s;
    }

    private void repeatPrepare() {
        String id = preparedIds.get(random.nextInt(preparedIds.size()));
        PrepareTransfer again = PrepareTransfer.newBuilder(prepared.get(id)).build();
        boolean same = random.nextInt(10) < 7;
        if (!same) {
            again.setAmount(again.getAmount().equals("7") ? "8" : "7");
            again.setRequestHash(hash(again.toString()));
        }
        String commandId = send(id, again);
        if (commandId != null) {
            duplicatePrepares.add(new DuplicatePrepare(id, commandId, same));
        }
    }

    /** The payee saw the prepare: decide now how (and whether) it will answer, and when. */
    void payeeReceived(TransferReserved reserved) {
        String id = reserved.getTransferId();
        if (!answered.add(id)) {
            return;
        }
        String payee = reserved.getPayeeFsp();
        int r = random.nextInt(100);
        SpecificRecord answer;
        if (r < 70) {
            answer = new FulfilTransfer(id, payee, b64(preimages.get(id)), "", false, null, null);
        } else if (r < 75) {
            byte[] wrong = new byte[32];
            random.nextBytes(wrong);
            answer = new FulfilTransfer(id, payee, b64(wrong), "", false, null, null);
        } else if (r < 85) {
            answer = new RejectTransfer(id, payee, 5100, "payee could not credit", "", null);
        } else if (r < 90) {
            answer = new AbortTransfer(id, payee, "");
        } else {
            return;
        }
        setHash(answer);
        schedule(sim.clock.now().plusMillis(random.nextInt(2_500)), id, answer);
        if (random.nextInt(5) == 0) {
            schedule(sim.clock.now().plusMillis(2_500 + random.nextInt(2_000)), id, answer);
        }
        if (random.nextInt(20) == 0) {
            SpecificRecord other = new RejectTransfer(id, payee, 5101, "changed mind", "", null);
            setHash(other);
            schedule(sim.clock.now().plusMillis(4_500 + random.nextInt(1_000)), id, other);
        }
        if (random.nextInt(30) == 0) {
            SpecificRecord impostor = new FulfilTransfer(id, reserved.getPayerFsp(), b64(preimages.get(id)), "", false, null, null);
            setHash(impostor);
            schedule(sim.clock.now().plusMillis(random.nextInt(1_000)), id, impostor);
        }
    }

    /** Answers whose time came; one the gateway refused (503) is sent again at the next step. */
    void answerDue() {
        reactivateDue();
        for (Iterator<Scheduled> it = scheduled.iterator(); it.hasNext(); ) {
            Scheduled s = it.next();
            if (!s.due().isAfter(sim.clock.now()) && sim.send(s.key(), s.commandId(), s.payload())) {
                it.remove();
            }
        }
    }

    boolean idle() {
        return scheduled.isEmpty() && reactivateAt.isEmpty();
    }

    private void schedule(Instant due, String key, SpecificRecord payload) {
        scheduled.add(new Scheduled(due, key, "gw-" + (++commandSeq), payload));
    }

    /** The command id the request was recorded under, or null when the gateway refused it. */
    private String send(String key, SpecificRecord payload) {
        String commandId = "gw-" + (++commandSeq);
        return sim.send(key, commandId, payload) ? commandId : null;
    }

    private static void setHash(SpecificRecord answer) {
        switch (answer) {
            case FulfilTransfer f -> f.setRequestHash(hash(f.toString()));
            case RejectTransfer r -> r.setRequestHash(hash(r.toString()));
            case AbortTransfer a -> a.setRequestHash(hash(a.toString()));
            default -> throw new IllegalArgumentException(answer.toString());
        }
    }

    static String hash(String canonical) {
        return HexFormat.of().formatHex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
