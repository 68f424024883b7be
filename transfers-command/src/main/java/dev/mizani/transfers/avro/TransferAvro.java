package dev.mizani.transfers.avro;

import dev.mizani.schemas.transfer.AbortTransfer;
import dev.mizani.schemas.transfer.AcknowledgeReservation;
import dev.mizani.schemas.transfer.ExpireTransfer;
import dev.mizani.schemas.transfer.FulfilTransfer;
import dev.mizani.schemas.transfer.LateReservationReleased;
import dev.mizani.schemas.transfer.PrepareTransfer;
import dev.mizani.schemas.transfer.RecordReservationRejected;
import dev.mizani.schemas.transfer.RejectTransfer;
import dev.mizani.schemas.transfer.RequestAsReceived;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferDuplicateReported;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.transfer.TransferPrepareAccepted;
import dev.mizani.schemas.transfer.TransferPrepareRejected;
import dev.mizani.schemas.transfer.TransferRequestRefused;
import dev.mizani.schemas.transfer.TransferReserved;
import dev.mizani.transfers.domain.AsReceived;
import dev.mizani.transfers.domain.TransferCommand;
import dev.mizani.transfers.domain.TransferEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * Between the transfer domain's records and the Avro payloads of transfers.commands and
 * transfers.events. Field for field; hub time is added to commands here, by the handler's clock.
 */
public final class TransferAvro {
    private TransferAvro() {}

    public static TransferCommand command(Object payload, Instant hubTime) {
        return switch (payload) {
            case PrepareTransfer p -> new TransferCommand.PrepareTransfer(p.getTransferId(), p.getPayerFsp(),
                    p.getPayeeFsp(), p.getAmount(), p.getCurrency(), p.getIlpPacket(), p.getCondition(),
                    p.getExpiration(), p.getRequestHash(), hubTime, asReceived(p.getAsReceived()));
            case AcknowledgeReservation a -> new TransferCommand.AcknowledgeReservation(a.getTransferId(), hubTime);
            case RecordReservationRejected r -> new TransferCommand.RecordReservationRejected(r.getTransferId(),
                    r.getErrorCode(), r.getErrorDescription(), hubTime);
            case FulfilTransfer f -> new TransferCommand.FulfilTransfer(f.getTransferId(), f.getSourceFsp(),
                    f.getFulfilment(), f.getRequestHash(), hubTime, f.getPayeeAskedForCommit(),
                    asReceived(f.getAsReceived()), f.getDestinationFsp());
            case RejectTransfer r -> new TransferCommand.RejectTransfer(r.getTransferId(), r.getSourceFsp(),
                    r.getErrorCode(), r.getErrorDescription(), r.getRequestHash(), hubTime, asReceived(r.getAsReceived()));
            case AbortTransfer a -> new TransferCommand.AbortTransfer(a.getTransferId(), a.getSourceFsp(),
                    a.getRequestHash(), hubTime);
            case ExpireTransfer e -> new TransferCommand.ExpireTransfer(e.getTransferId(), hubTime);
            default -> throw new IllegalArgumentException("not a transfer command: " + payload.getClass().getName());
        };
    }

    public static SpecificRecord command(TransferCommand command) {
        return switch (command) {
            case TransferCommand.PrepareTransfer p -> new PrepareTransfer(p.transferId(), p.payerFsp(), p.payeeFsp(),
                    p.amount(), p.currency(), p.ilpPacket(), p.condition(), p.expiration(), p.requestHash(),
                    asReceived(p.asReceived()));
            case TransferCommand.AcknowledgeReservation a -> new AcknowledgeReservation(a.transferId());
            case TransferCommand.RecordReservationRejected r -> new RecordReservationRejected(r.transferId(),
                    r.errorCode(), r.errorDescription());
            case TransferCommand.FulfilTransfer f -> new FulfilTransfer(f.transferId(), f.sourceFsp(), f.fulfilment(),
                    f.requestHash(), f.payeeAskedForCommit(), asReceived(f.asReceived()), f.destinationFsp());
            case TransferCommand.RejectTransfer r -> new RejectTransfer(r.transferId(), r.sourceFsp(), r.errorCode(),
                    r.errorDescription(), r.requestHash(), asReceived(r.asReceived()));
            case TransferCommand.AbortTransfer a -> new AbortTransfer(a.transferId(), a.sourceFsp(), a.requestHash());
            case TransferCommand.ExpireTransfer e -> new ExpireTransfer(e.transferId());
        };
    }

    public static SpecificRecord event(TransferEvent event) {
        return switch (event) {
            case TransferEvent.TransferPrepareAccepted e -> new TransferPrepareAccepted(e.transferId(), e.payerFsp(),
                    e.payeeFsp(), e.amountMinor(), e.currency(), e.ilpPacket(), e.condition(), e.expiration(),
                    e.requestHash(), asReceived(e.asReceived()));
            case TransferEvent.TransferPrepareRejected e -> new TransferPrepareRejected(e.transferId(), e.payerFsp(),
                    e.payeeFsp(), e.errorCode(), e.errorDescription(), e.requestHash());
            case TransferEvent.TransferReserved e -> new TransferReserved(e.transferId(), e.payerFsp(), e.payeeFsp(),
                    e.amountMinor(), e.currency(), e.ilpPacket(), e.condition(), e.expiration(),
                    asReceived(e.asReceived()));
            case TransferEvent.TransferCommitted e -> new TransferCommitted(e.transferId(), e.payerFsp(), e.payeeFsp(),
                    e.amountMinor(), e.currency(), e.fulfilment(), e.completedAt(), e.requestHash(), e.payeeAskedForCommit(),
                    asReceived(e.asReceived()));
            case TransferEvent.TransferAborted e -> new TransferAborted(e.transferId(), e.payerFsp(), e.payeeFsp(),
                    e.amountMinor(), e.currency(), e.errorCode(), e.errorDescription(), e.reservationHeld(),
                    e.requestHash(), asReceived(e.asReceived()), e.payeeAskedForCommit());
            case TransferEvent.TransferExpired e -> new TransferExpired(e.transferId(), e.payerFsp(), e.payeeFsp(),
                    e.amountMinor(), e.currency(), e.reservationHeld());
            case TransferEvent.LateReservationReleased e -> new LateReservationReleased(e.transferId(), e.payerFsp(),
                    e.amountMinor(), e.currency());
            case TransferEvent.TransferDuplicateReported e -> new TransferDuplicateReported(e.transferId(),
                    e.sourceFsp(), e.state(), e.fulfilment(), e.completedAt());
            case TransferEvent.TransferRequestRefused e -> new TransferRequestRefused(e.transferId(), e.sourceFsp(),
                    e.errorCode(), e.errorDescription());
        };
    }

    public static RequestAsReceived asReceived(AsReceived a) {
        return a == null ? null : new RequestAsReceived(ByteBuffer.wrap(a.body()), Map.copyOf(a.headers()));
    }

    public static AsReceived asReceived(RequestAsReceived r) {
        if (r == null) {
            return null;
        }
        ByteBuffer body = r.getBody().duplicate();
        byte[] bytes = new byte[body.remaining()];
        body.get(bytes);
        return new AsReceived(bytes, r.getHeaders());
    }

    public static TransferEvent event(Object payload) {
        return switch (payload) {
            case TransferPrepareAccepted e -> new TransferEvent.TransferPrepareAccepted(e.getTransferId(),
                    e.getPayerFsp(), e.getPayeeFsp(), e.getAmountMinor(), e.getCurrency(), e.getIlpPacket(),
                    e.getCondition(), e.getExpiration(), e.getRequestHash(), asReceived(e.getAsReceived()));
            case TransferPrepareRejected e -> new TransferEvent.TransferPrepareRejected(e.getTransferId(),
                    e.getPayerFsp(), e.getPayeeFsp(), e.getErrorCode(), e.getErrorDescription(), e.getRequestHash());
            case TransferReserved e -> new TransferEvent.TransferReserved(e.getTransferId(), e.getPayerFsp(),
                    e.getPayeeFsp(), e.getAmountMinor(), e.getCurrency(), e.getIlpPacket(), e.getCondition(),
                    e.getExpiration(), asReceived(e.getAsReceived()));
            case TransferCommitted e -> new TransferEvent.TransferCommitted(e.getTransferId(), e.getPayerFsp(),
                    e.getPayeeFsp(), e.getAmountMinor(), e.getCurrency(), e.getFulfilment(), e.getCompletedAt(),
                    e.getRequestHash(), e.getPayeeAskedForCommit(), asReceived(e.getAsReceived()));
            case TransferAborted e -> new TransferEvent.TransferAborted(e.getTransferId(), e.getPayerFsp(),
                    e.getPayeeFsp(), e.getAmountMinor(), e.getCurrency(), e.getErrorCode(), e.getErrorDescription(),
                    e.getReservationHeld(), e.getRequestHash(), asReceived(e.getAsReceived()), e.getPayeeAskedForCommit());
            case TransferExpired e -> new TransferEvent.TransferExpired(e.getTransferId(), e.getPayerFsp(),
                    e.getPayeeFsp(), e.getAmountMinor(), e.getCurrency(), e.getReservationHeld());
            case LateReservationReleased e -> new TransferEvent.LateReservationReleased(e.getTransferId(),
                    e.getPayerFsp(), e.getAmountMinor(), e.getCurrency());
            case TransferDuplicateReported e -> new TransferEvent.TransferDuplicateReported(e.getTransferId(),
                    e.getSourceFsp(), e.getState(), e.getFulfilment(), e.getCompletedAt());
            case TransferRequestRefused e -> new TransferEvent.TransferRequestRefused(e.getTransferId(),
                    e.getSourceFsp(), e.getErrorCode(), e.getErrorDescription());
            default -> throw new IllegalArgumentException("not a transfer event: " + payload.getClass().getName());
        };
    }
}
