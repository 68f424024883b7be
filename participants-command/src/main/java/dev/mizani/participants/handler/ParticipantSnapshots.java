package dev.mizani.participants.handler;

import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.Participant.Account;
import dev.mizani.participants.domain.Participant.Reservation;
import dev.mizani.platform.eventstore.StateBytes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.pcollections.HashTreePMap;

/** Snapshot bytes of a participant's state. */
final class ParticipantSnapshots {
    private static final int FORMAT = 3;

    private ParticipantSnapshots() {}

    static byte[] write(Participant state) {
        StateBytes.Writer w = new StateBytes.Writer(FORMAT);
        switch (state) {
            case Participant.Absent a -> w.i8(0);
            case Participant.Registered p -> {
                w.i8(1).str(p.name()).bool(p.active()).i32(p.fundsTransferIds().size());
                p.fundsTransferIds().forEach(w::str);
                w.i32(p.accounts().size());
                p.accounts().forEach((currency, a) -> {
                    w.str(currency).i64(a.positionMinor()).i64(a.reservedMinor()).i64(a.netDebitCapMinor())
                            .i64(a.liquidityCoverMinor()).bool(a.initialPositionSet()).i32(a.pending().size());
                    a.pending().forEach((id, r) -> w.str(id).str(r.payeeFsp()).i64(r.amountMinor()));
                    w.i32(a.fundsOutPending().size());
                    a.fundsOutPending().forEach((id, amount) -> w.str(id).i64(amount));
                });
                w.i32(p.endpoints().size());
                p.endpoints().forEach((type, url) -> w.str(type).str(url));
                w.bool(p.access().credentialSha256() != null);
                if (p.access().credentialSha256() != null) {
                    w.str(p.access().credentialSha256());
                }
                w.i32(p.access().requestsPerSecond()).i32(p.access().burst());
            }
        }
        return w.bytes();
    }

    static Participant read(byte[] bytes) {
        StateBytes.Reader r = new StateBytes.Reader(bytes, FORMAT);
        if (r.i8() == 0) {
            return new Participant.Absent();
        }
        String name = r.str();
        boolean active = r.bool();
        Set<String> funds = new HashSet<>();
        for (int i = r.i32(); i > 0; i--) {
            funds.add(r.str());
        }
        Map<String, Account> accounts = new HashMap<>();
        for (int i = r.i32(); i > 0; i--) {
            String currency = r.str();
            long position = r.i64();
            long reserved = r.i64();
            long ndc = r.i64();
            long cover = r.i64();
            boolean initialSet = r.bool();
            Map<String, Reservation> pending = new HashMap<>();
            for (int j = r.i32(); j > 0; j--) {
                pending.put(r.str(), new Reservation(r.str(), r.i64()));
            }
            Map<String, Long> fundsOut = new HashMap<>();
            for (int j = r.i32(); j > 0; j--) {
                fundsOut.put(r.str(), r.i64());
            }
            accounts.put(currency, new Account(position, reserved, ndc, cover, initialSet, HashTreePMap.from(pending),
                    HashTreePMap.from(fundsOut)));
        }
        Map<String, String> endpoints = new HashMap<>();
        for (int i = r.i32(); i > 0; i--) {
            endpoints.put(r.str(), r.str());
        }
        String credential = r.bool() ? r.str() : null;
        var access = new Participant.Access(credential, r.i32(), r.i32());
        return new Participant.Registered(name, active, Map.copyOf(accounts), Set.copyOf(funds), Map.copyOf(endpoints),
                access);
    }
}
