package dev.mizani.participants.avro;

import dev.mizani.participants.domain.ParticipantCommand;
import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.schemas.participant.AddCurrency;
import dev.mizani.schemas.participant.ReserveFundsOut;
import dev.mizani.schemas.participant.CommitFundsOut;
import dev.mizani.schemas.participant.AbortFundsOut;
import dev.mizani.schemas.participant.SetCredential;
import dev.mizani.schemas.participant.SetRateLimit;
import dev.mizani.schemas.participant.SetJwsPublicKey;
import dev.mizani.schemas.participant.JwsPublicKeySet;
import dev.mizani.schemas.participant.FundsOutReserved;
import dev.mizani.schemas.participant.FundsOutAborted;
import dev.mizani.schemas.participant.CredentialSet;
import dev.mizani.schemas.participant.RateLimitSet;
import dev.mizani.schemas.participant.CallbackEndpointSet;
import dev.mizani.schemas.participant.SetCallbackEndpoint;
import dev.mizani.schemas.participant.CommitPayeeFunds;
import dev.mizani.schemas.participant.CommitPayerFunds;
import dev.mizani.schemas.participant.CreateParticipant;
import dev.mizani.schemas.participant.CurrencyAdded;
import dev.mizani.schemas.participant.FundsRecordedIn;
import dev.mizani.schemas.participant.FundsRecordedOut;
import dev.mizani.schemas.participant.InitialPositionSet;
import dev.mizani.schemas.participant.NetDebitCapSet;
import dev.mizani.schemas.participant.ParticipantActiveSet;
import dev.mizani.schemas.participant.ParticipantCommandRefused;
import dev.mizani.schemas.participant.ParticipantCreated;
import dev.mizani.schemas.participant.PayeeFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsCommitted;
import dev.mizani.schemas.participant.PayerFundsReleased;
import dev.mizani.schemas.participant.PayerFundsReservationRejected;
import dev.mizani.schemas.participant.PayerFundsReserved;
import dev.mizani.schemas.participant.RecordFundsIn;
import dev.mizani.schemas.participant.RecordFundsOut;
import dev.mizani.schemas.participant.ReleasePayerFunds;
import dev.mizani.schemas.participant.ReservePayerFunds;
import dev.mizani.schemas.participant.SetInitialPosition;
import dev.mizani.schemas.participant.SetNetDebitCap;
import dev.mizani.schemas.participant.SetParticipantActive;
import dev.mizani.schemas.participant.TransferFacts;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/** Between the participant domain's records and the Avro payloads of participants.commands and .events. */
public final class ParticipantAvro {
    private ParticipantAvro() {}

    /** @param payees what the handler's directory knows of a payee, by name, at decision time */
    public static ParticipantCommand command(Object payload, Function<ReservePayerFunds, PayeeFacts> payees) {
        return switch (payload) {
            case CreateParticipant c -> new ParticipantCommand.CreateParticipant(c.getParticipant());
            case AddCurrency c -> new ParticipantCommand.AddCurrency(c.getParticipant(), c.getCurrency());
            case SetNetDebitCap c -> new ParticipantCommand.SetNetDebitCap(c.getParticipant(), c.getCurrency(),
                    c.getNetDebitCapMinor());
            case SetInitialPosition c -> new ParticipantCommand.SetInitialPosition(c.getParticipant(), c.getCurrency(),
                    c.getPositionMinor());
            case RecordFundsIn c -> new ParticipantCommand.RecordFundsIn(c.getParticipant(), c.getCurrency(),
                    c.getAmountMinor(), c.getFundsTransferId());
            case RecordFundsOut c -> new ParticipantCommand.RecordFundsOut(c.getParticipant(), c.getCurrency(),
                    c.getAmountMinor(), c.getFundsTransferId());
            case SetParticipantActive c -> new ParticipantCommand.SetActive(c.getParticipant(), c.getActive());
            case ReservePayerFunds c -> new ParticipantCommand.ReservePayerFunds(c.getParticipant(), c.getPayeeFsp(),
                    c.getTransferId(), c.getAmountMinor(), c.getCurrency(), payees.apply(c));
            case CommitPayerFunds c -> new ParticipantCommand.CommitPayerFunds(c.getParticipant(), c.getTransferId());
            case CommitPayeeFunds c -> new ParticipantCommand.CommitPayeeFunds(c.getParticipant(), c.getTransferId(),
                    c.getAmountMinor(), c.getCurrency());
            case ReleasePayerFunds c -> new ParticipantCommand.ReleasePayerFunds(c.getParticipant(), c.getTransferId());
            case SetCallbackEndpoint c -> new ParticipantCommand.SetCallbackEndpoint(c.getParticipant(), c.getType(), c.getUrl());
            case ReserveFundsOut c -> new ParticipantCommand.ReserveFundsOut(c.getParticipant(), c.getCurrency(),
                    c.getAmountMinor(), c.getFundsTransferId());
            case CommitFundsOut c -> new ParticipantCommand.CommitFundsOut(c.getParticipant(), c.getFundsTransferId());
            case AbortFundsOut c -> new ParticipantCommand.AbortFundsOut(c.getParticipant(), c.getFundsTransferId());
            case SetCredential c -> new ParticipantCommand.SetCredential(c.getParticipant(), c.getCredentialSha256());
            case SetRateLimit c -> new ParticipantCommand.SetRateLimit(c.getParticipant(), c.getRequestsPerSecond(), c.getBurst());
            case SetJwsPublicKey c -> new ParticipantCommand.SetJwsPublicKey(c.getParticipant(), c.getPublicKeyPem());
            default -> throw new IllegalArgumentException("not a participant command: " + payload.getClass().getName());
        };
    }

    public static SpecificRecord command(ParticipantCommand command) {
        return switch (command) {
            case ParticipantCommand.CreateParticipant c -> new CreateParticipant(c.participant());
            case ParticipantCommand.AddCurrency c -> new AddCurrency(c.participant(), c.currency());
            case ParticipantCommand.SetNetDebitCap c -> new SetNetDebitCap(c.participant(), c.currency(), c.netDebitCapMinor());
            case ParticipantCommand.SetInitialPosition c -> new SetInitialPosition(c.participant(), c.currency(), c.positionMinor());
            case ParticipantCommand.RecordFundsIn c -> new RecordFundsIn(c.participant(), c.currency(), c.amountMinor(),
                    c.fundsTransferId());
            case ParticipantCommand.RecordFundsOut c -> new RecordFundsOut(c.participant(), c.currency(), c.amountMinor(),
                    c.fundsTransferId());
            case ParticipantCommand.SetActive c -> new SetParticipantActive(c.participant(), c.active());
            case ParticipantCommand.ReservePayerFunds c -> new ReservePayerFunds(c.participant(), c.payeeFsp(),
                    c.transferId(), c.amountMinor(), c.currency());
            case ParticipantCommand.CommitPayerFunds c -> new CommitPayerFunds(c.participant(), c.transferId());
            case ParticipantCommand.CommitPayeeFunds c -> new CommitPayeeFunds(c.participant(), c.transferId(),
                    c.amountMinor(), c.currency());
            case ParticipantCommand.ReleasePayerFunds c -> new ReleasePayerFunds(c.participant(), c.transferId());
            case ParticipantCommand.SetCallbackEndpoint c -> new SetCallbackEndpoint(c.participant(), c.type(), c.url());
            case ParticipantCommand.ReserveFundsOut c -> new ReserveFundsOut(c.participant(), c.currency(), c.amountMinor(),
                    c.fundsTransferId());
            case ParticipantCommand.CommitFundsOut c -> new CommitFundsOut(c.participant(), c.fundsTransferId());
            case ParticipantCommand.AbortFundsOut c -> new AbortFundsOut(c.participant(), c.fundsTransferId());
            case ParticipantCommand.SetCredential c -> new SetCredential(c.participant(), c.credentialSha256());
            case ParticipantCommand.SetRateLimit c -> new SetRateLimit(c.participant(), c.requestsPerSecond(), c.burst());
            case ParticipantCommand.SetJwsPublicKey c -> new SetJwsPublicKey(c.participant(), c.publicKeyPem());
        };
    }

    public static SpecificRecord event(ParticipantEvent event) {
        return switch (event) {
            case ParticipantEvent.ParticipantCreated e -> new ParticipantCreated(e.participant());
            case ParticipantEvent.CurrencyAdded e -> new CurrencyAdded(e.participant(), e.currency());
            case ParticipantEvent.NetDebitCapSet e -> new NetDebitCapSet(e.participant(), e.currency(), e.netDebitCapMinor());
            case ParticipantEvent.InitialPositionSet e -> new InitialPositionSet(e.participant(), e.currency(), e.positionMinor());
            case ParticipantEvent.FundsRecordedIn e -> new FundsRecordedIn(e.participant(), e.currency(), e.amountMinor(),
                    e.fundsTransferId(), e.liquidityCoverMinor());
            case ParticipantEvent.FundsRecordedOut e -> new FundsRecordedOut(e.participant(), e.currency(), e.amountMinor(),
                    e.fundsTransferId(), e.liquidityCoverMinor());
            case ParticipantEvent.ParticipantActiveSet e -> new ParticipantActiveSet(e.participant(), e.active());
            case ParticipantEvent.ParticipantCommandRefused e -> new ParticipantCommandRefused(e.participant(), e.command(),
                    e.errorCode(), e.errorDescription());
            case ParticipantEvent.PayerFundsReserved e -> new PayerFundsReserved(e.participant(), e.payeeFsp(),
                    e.transferId(), e.amountMinor(), e.currency(), e.positionMinor(), e.reservedMinor());
            case ParticipantEvent.PayerFundsReservationRejected e -> new PayerFundsReservationRejected(e.participant(),
                    e.payeeFsp(), e.transferId(), e.amountMinor(), e.currency(), e.errorCode(), e.errorDescription());
            case ParticipantEvent.PayerFundsCommitted e -> new PayerFundsCommitted(e.participant(), e.transferId(),
                    e.amountMinor(), e.currency(), e.positionMinor(), e.reservedMinor());
            case ParticipantEvent.PayeeFundsCommitted e -> new PayeeFundsCommitted(e.participant(), e.transferId(),
                    e.amountMinor(), e.currency(), e.positionMinor());
            case ParticipantEvent.PayerFundsReleased e -> new PayerFundsReleased(e.participant(), e.transferId(),
                    e.amountMinor(), e.currency(), e.reservedMinor());
            case ParticipantEvent.CallbackEndpointSet e -> new CallbackEndpointSet(e.participant(), e.type(), e.url());
            case ParticipantEvent.FundsOutReserved e -> new FundsOutReserved(e.participant(), e.currency(), e.amountMinor(),
                    e.fundsTransferId());
            case ParticipantEvent.FundsOutAborted e -> new FundsOutAborted(e.participant(), e.currency(), e.amountMinor(),
                    e.fundsTransferId());
            case ParticipantEvent.CredentialSet e -> new CredentialSet(e.participant(), e.credentialSha256());
            case ParticipantEvent.RateLimitSet e -> new RateLimitSet(e.participant(), e.requestsPerSecond(), e.burst());
            case ParticipantEvent.JwsPublicKeySet e -> new JwsPublicKeySet(e.participant(), e.publicKeyPem());
            case ParticipantEvent.TransferFacts e -> new TransferFacts(e.participant(),
                    e.facts().stream().map(f -> (Object) event(f)).toList());
        };
    }

    public static ParticipantEvent event(Object payload) {
        return switch (payload) {
            case ParticipantCreated e -> new ParticipantEvent.ParticipantCreated(e.getParticipant());
            case CurrencyAdded e -> new ParticipantEvent.CurrencyAdded(e.getParticipant(), e.getCurrency());
            case NetDebitCapSet e -> new ParticipantEvent.NetDebitCapSet(e.getParticipant(), e.getCurrency(),
                    e.getNetDebitCapMinor());
            case InitialPositionSet e -> new ParticipantEvent.InitialPositionSet(e.getParticipant(), e.getCurrency(),
                    e.getPositionMinor());
            case FundsRecordedIn e -> new ParticipantEvent.FundsRecordedIn(e.getParticipant(), e.getCurrency(),
                    e.getAmountMinor(), e.getFundsTransferId(), e.getLiquidityCoverMinor());
            case FundsRecordedOut e -> new ParticipantEvent.FundsRecordedOut(e.getParticipant(), e.getCurrency(),
                    e.getAmountMinor(), e.getFundsTransferId(), e.getLiquidityCoverMinor());
            case ParticipantActiveSet e -> new ParticipantEvent.ParticipantActiveSet(e.getParticipant(), e.getActive());
            case ParticipantCommandRefused e -> new ParticipantEvent.ParticipantCommandRefused(e.getParticipant(),
                    e.getCommand(), e.getErrorCode(), e.getErrorDescription());
            case PayerFundsReserved e -> new ParticipantEvent.PayerFundsReserved(e.getParticipant(), e.getPayeeFsp(),
                    e.getTransferId(), e.getAmountMinor(), e.getCurrency(), e.getPositionMinor(), e.getReservedMinor());
            case PayerFundsReservationRejected e -> new ParticipantEvent.PayerFundsReservationRejected(e.getParticipant(),
                    e.getPayeeFsp(), e.getTransferId(), e.getAmountMinor(), e.getCurrency(), e.getErrorCode(),
                    e.getErrorDescription());
            case PayerFundsCommitted e -> new ParticipantEvent.PayerFundsCommitted(e.getParticipant(), e.getTransferId(),
                    e.getAmountMinor(), e.getCurrency(), e.getPositionMinor(), e.getReservedMinor());
            case PayeeFundsCommitted e -> new ParticipantEvent.PayeeFundsCommitted(e.getParticipant(), e.getTransferId(),
                    e.getAmountMinor(), e.getCurrency(), e.getPositionMinor());
            case PayerFundsReleased e -> new ParticipantEvent.PayerFundsReleased(e.getParticipant(), e.getTransferId(),
                    e.getAmountMinor(), e.getCurrency(), e.getReservedMinor());
            case CallbackEndpointSet e -> new ParticipantEvent.CallbackEndpointSet(e.getParticipant(), e.getType(), e.getUrl());
            case FundsOutReserved e -> new ParticipantEvent.FundsOutReserved(e.getParticipant(), e.getCurrency(),
                    e.getAmountMinor(), e.getFundsTransferId());
            case FundsOutAborted e -> new ParticipantEvent.FundsOutAborted(e.getParticipant(), e.getCurrency(),
                    e.getAmountMinor(), e.getFundsTransferId());
            case CredentialSet e -> new ParticipantEvent.CredentialSet(e.getParticipant(), e.getCredentialSha256());
            case RateLimitSet e -> new ParticipantEvent.RateLimitSet(e.getParticipant(), e.getRequestsPerSecond(), e.getBurst());
            case JwsPublicKeySet e -> new ParticipantEvent.JwsPublicKeySet(e.getParticipant(), e.getPublicKeyPem());
            case TransferFacts e -> new ParticipantEvent.TransferFacts(e.getParticipant(),
                    e.getFacts().stream().map(ParticipantAvro::event).toList());
            default -> throw new IllegalArgumentException("not a participant event: " + payload.getClass().getName());
        };
    }
}
