package dev.mizani.transfers.handler;

import dev.mizani.platform.eventstore.StateBytes;
import dev.mizani.transfers.domain.AsReceived;
import dev.mizani.transfers.domain.Transfer;
import dev.mizani.transfers.domain.Transfer.Terms;

/** Snapshot bytes of a transfer's state. */
final class TransferSnapshots {
    /**
     * 3: a RECEIVED transfer keeps the payer's request as received, a COMMITTED one its fulfilment and completion
     * time (snapshots of older formats are replayed instead).
     */
    private static final int FORMAT = 3;

    private TransferSnapshots() {}

    static byte[] write(Transfer state) {
        StateBytes.Writer w = new StateBytes.Writer(FORMAT);
        switch (state) {
            case Transfer.Absent a -> w.i8(0);
            case Transfer.PrepareFailed f -> w.i8(1).str(f.payerFsp()).str(f.requestHash()).i32(f.errorCode())
                    .str(f.errorDescription());
            case Transfer.Received r -> asReceived(terms(w.i8(2), r.terms()), r.prepare());
            case Transfer.Reserved r -> terms(w.i8(3), r.terms());
            case Transfer.Committed c -> terms(w.i8(4), c.terms()).str(c.fulfilHash()).str(c.fulfilment())
                    .i64(c.completedAt() == null ? Long.MIN_VALUE : c.completedAt().toEpochMilli());
            case Transfer.Aborted a -> terms(w.i8(5), a.terms()).i32(a.errorCode()).str(a.errorDescription())
                    .str(a.endingHash()).bool(a.reservationHeld());
            case Transfer.Expired x -> terms(w.i8(6), x.terms()).bool(x.reservationHeld());
        }
        return w.bytes();
    }

    static Transfer read(byte[] bytes) {
        StateBytes.Reader r = new StateBytes.Reader(bytes, FORMAT);
        return switch (r.i8()) {
            case 0 -> new Transfer.Absent();
            case 1 -> new Transfer.PrepareFailed(r.str(), r.str(), r.i32(), r.str());
            case 2 -> new Transfer.Received(terms(r), asReceived(r));
            case 3 -> new Transfer.Reserved(terms(r));
            case 4 -> new Transfer.Committed(terms(r), r.str(), r.str(), completedAt(r.i64()));
            case 5 -> new Transfer.Aborted(terms(r), r.i32(), r.str(), r.str(), r.bool());
            case 6 -> new Transfer.Expired(terms(r), r.bool());
            default -> throw new IllegalStateException("unknown transfer state tag");
        };
    }

    private static StateBytes.Writer terms(StateBytes.Writer w, Terms t) {
        return w.str(t.transferId()).str(t.payerFsp()).str(t.payeeFsp()).i64(t.amountMinor()).str(t.currency())
                .str(t.ilpPacket()).str(t.condition()).instant(t.expiration()).str(t.prepareHash());
    }

    private static java.time.Instant completedAt(long millis) {
        return millis == Long.MIN_VALUE ? null : java.time.Instant.ofEpochMilli(millis);
    }

    private static StateBytes.Writer asReceived(StateBytes.Writer w, AsReceived a) {
        if (a == null) {
            return w.bool(false);
        }
        w.bool(true).bytes(a.body()).i32(a.headers().size());
        a.headers().forEach((name, value) -> w.str(name).str(value));
        return w;
    }

    private static AsReceived asReceived(StateBytes.Reader r) {
        if (!r.bool()) {
            return null;
        }
        byte[] body = r.bytes();
        int headers = r.i32();
        java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < headers; i++) {
            map.put(r.str(), r.str());
        }
        return new AsReceived(body, map);
    }

    private static Terms terms(StateBytes.Reader r) {
        return new Terms(r.str(), r.str(), r.str(), r.i64(), r.str(), r.str(), r.str(), r.instant(), r.str());
    }
}
