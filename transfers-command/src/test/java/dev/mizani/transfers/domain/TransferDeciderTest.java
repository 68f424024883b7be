package dev.mizani.transfers.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.transfers.domain.TransferCommand.*;
import dev.mizani.transfers.domain.TransferEvent.*;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Given events, when a command, then these events: the FSPIOP transfer lifecycle, no broker, no database. */
class TransferDeciderTest {
    static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    static final Instant EXPIRES = NOW.plusSeconds(30);
    static final String FULFILMENT = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    static final String CONDITION = condition(FULFILMENT);
    static final String WRONG_FULFILMENT = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

    private final TransferDecider decider = new TransferDecider();

    static String condition(String fulfilment) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getUrlDecoder().decode(fulfilment));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static PrepareTransfer prepare(String amount) {
        return new PrepareTransfer("t1", "payer", "payee", amount, "USD", "ilp-packet", CONDITION, EXPIRES, "h-prepare", NOW);
    }

    static final TransferPrepareAccepted ACCEPTED = new TransferPrepareAccepted("t1", "payer", "payee", 1_050, "USD",
            "ilp-packet", CONDITION, EXPIRES, "h-prepare");
    static final TransferReserved RESERVED = new TransferReserved("t1", "payer", "payee", 1_050, "USD", "ilp-packet",
            CONDITION, EXPIRES);

    private Transfer given(TransferEvent... events) {
        Transfer state = decider.initialState();
        for (TransferEvent e : events) {
            state = decider.evolve(state, e);
        }
        return state;
    }

    private List<TransferEvent> when(Transfer state, TransferCommand command) {
        return decider.decide(command, state);
    }

    private static void refusedWith(List<TransferEvent> events, int code, String detail) {
        assertThat(events).singleElement().isInstanceOfSatisfying(TransferRequestRefused.class, r -> {
            assertThat(r.errorCode()).isEqualTo(code);
            assertThat(r.errorDescription()).contains(detail);
        });
    }

    @Nested
    class Prepare {
        @Test
        void aValidPrepareIsAcceptedInMinorUnits() {
            assertThat(when(given(), prepare("10.5"))).containsExactly(ACCEPTED);
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource(delimiter = '|', value = {
                "amount scale    | amount.amount '10.505' has 3 decimals; USD allows 2",
                "currency        | amount.currency 'ABC' is not a supported ISO 4217 currency",
                "zero amount     | amount.amount must be positive",
                "same parties    | payerFsp and payeeFsp must differ",
                "past expiration | expiration 2026-11-21T12:00:00Z is not in the future",
                "condition       | condition must be a base64url SHA-256 digest",
                "ilp packet      | ilpPacket is missing"})
        void anInvalidPrepareIs3100NamingTheField(String what, String reason) {
            PrepareTransfer p = prepare("10.5");
            PrepareTransfer bad = switch (what.trim()) {
                case "amount scale" -> withAmount(p, "10.505", "USD");
                case "currency" -> withAmount(p, "10", "ABC");
                case "zero amount" -> withAmount(p, "0", "USD");
                case "same parties" -> new PrepareTransfer("t1", "payer", "payer", "1", "USD", "ilp", CONDITION, EXPIRES, "h", NOW);
                case "past expiration" -> new PrepareTransfer("t1", "payer", "payee", "1", "USD", "ilp", CONDITION, NOW, "h", NOW);
                case "condition" -> new PrepareTransfer("t1", "payer", "payee", "1", "USD", "ilp", "abc", EXPIRES, "h", NOW);
                case "ilp packet" -> new PrepareTransfer("t1", "payer", "payee", "1", "USD", " ", CONDITION, EXPIRES, "h", NOW);
                default -> throw new IllegalArgumentException(what);
            };
            assertThat(when(given(), bad)).singleElement().isInstanceOfSatisfying(TransferPrepareRejected.class, r -> {
                assertThat(r.errorCode()).isEqualTo(3100);
                assertThat(r.errorDescription()).contains(reason.trim());
            });
        }

        @Test
        void theSameBodyAgainReportsTheCurrentStateAndADifferentBodyIs3106() {
            Transfer received = given(ACCEPTED);
            assertThat(when(received, prepare("10.5")))
                    .containsExactly(new TransferDuplicateReported("t1", "payer", "RECEIVED"));
            refusedWith(when(received, withHash(prepare("11"), "h-other")), 3106, "Modified request");
        }

        @Test
        void aFailedPrepareKeepsFailingTheSameWay() {
            Transfer failed = given(new TransferPrepareRejected("t1", "payer", "payee", 3100, "bad", "h-prepare"));
            assertThat(when(failed, prepare("10.5"))).containsExactly(new TransferDuplicateReported("t1", "payer", "ABORTED"));
            refusedWith(when(failed, withHash(prepare("10.5"), "h-fixed")), 3106, "Modified request");
        }

        private PrepareTransfer withAmount(PrepareTransfer p, String amount, String currency) {
            return new PrepareTransfer(p.transferId(), p.payerFsp(), p.payeeFsp(), amount, currency, p.ilpPacket(),
                    p.condition(), p.expiration(), p.requestHash(), p.hubTime());
        }

        private PrepareTransfer withHash(PrepareTransfer p, String hash) {
            return new PrepareTransfer(p.transferId(), p.payerFsp(), p.payeeFsp(), p.amount(), p.currency(),
                    p.ilpPacket(), p.condition(), p.expiration(), hash, p.hubTime());
        }
    }

    /** A DFSP's request as received travels with the facts that forward it: prepare to reserved, fulfil, reject. */
    @Nested
    class AsReceivedRequests {
        private final AsReceived prepared = new AsReceived("{\"transferId\":\"t1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.util.Map.of("FSPIOP-Signature", "payer's"));
        private final AsReceived answered = new AsReceived("{\"fulfilment\":\"f\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.util.Map.of("FSPIOP-Signature", "payee's"));

        @Test
        void thePrepareIsKeptUntilTheReservationForwardsItThenDropped() {
            PrepareTransfer p = prepare("10.5");
            var accepted = when(given(), new PrepareTransfer(p.transferId(), p.payerFsp(), p.payeeFsp(), p.amount(),
                    p.currency(), p.ilpPacket(), p.condition(), p.expiration(), p.requestHash(), p.hubTime(), prepared));
            assertThat(accepted).singleElement().isInstanceOfSatisfying(TransferPrepareAccepted.class,
                    e -> assertThat(e.asReceived()).isEqualTo(prepared));
            Transfer received = given((TransferEvent) accepted.getFirst());
            assertThat(when(received, new AcknowledgeReservation("t1", NOW))).singleElement()
                    .isInstanceOfSatisfying(TransferReserved.class, e -> assertThat(e.asReceived()).isEqualTo(prepared));
            assertThat(given((TransferEvent) accepted.getFirst(), RESERVED)).isEqualTo(new Transfer.Reserved(
                    ((Transfer.Received) received).terms()));
        }

        @Test
        void theFulfilAndTheRejectionAreCarriedToTheEventsThatTellThePayer() {
            Transfer reserved = given(ACCEPTED, RESERVED);
            assertThat(when(reserved, new FulfilTransfer("t1", "payee", FULFILMENT, "h", NOW.plusSeconds(1), false, answered, null)))
                    .singleElement().isInstanceOfSatisfying(TransferCommitted.class,
                            e -> assertThat(e.asReceived()).isEqualTo(answered));
            assertThat(when(reserved, new RejectTransfer("t1", "payee", 5104, "no", "h", NOW, answered)))
                    .singleElement().isInstanceOfSatisfying(TransferAborted.class,
                            e -> assertThat(e.asReceived()).isEqualTo(answered));
        }
    }

    /** As Mojaloop does: an answer without a fulfilment, or addressed to someone else, ends the transfer. */
    @Nested
    class AnswersThatAbort {
        @Test
        void aFulfilWithoutFulfilmentOrToAnotherDestinationAbortsWith3100AndReleases() {
            Transfer reserved = given(ACCEPTED, RESERVED);
            assertThat(when(reserved, new FulfilTransfer("t1", "payee", "", "h", NOW, false, null, "payer")))
                    .singleElement().isInstanceOfSatisfying(TransferAborted.class, a -> {
                        assertThat(a.errorCode()).isEqualTo(3100);
                        assertThat(a.errorDescription()).isEqualTo("Generic validation error - fulfilment is required");
                        assertThat(a.reservationHeld()).isTrue();
                    });
            assertThat(when(reserved, new FulfilTransfer("t1", "payee", FULFILMENT, "h", NOW, true, null, "someone")))
                    .singleElement().isInstanceOfSatisfying(TransferAborted.class, a -> {
                        assertThat(a.errorDescription()).contains("FSPIOP-Destination someone does not match the payer FSP payer");
                        assertThat(a.payeeAskedForCommit()).isTrue();
                    });
            assertThat(when(reserved, new FulfilTransfer("t1", "payee", FULFILMENT, "h", NOW.plusSeconds(1), false, null, "payer")))
                    .singleElement().isInstanceOf(TransferCommitted.class);
        }
    }

    @Nested
    class Reservation {
        @Test
        void anAcknowledgedReservationReservesTheTransfer() {
            assertThat(when(given(ACCEPTED), new AcknowledgeReservation("t1", NOW))).containsExactly(RESERVED);
            assertThat(when(given(ACCEPTED, RESERVED), new AcknowledgeReservation("t1", NOW))).as("repeated").isEmpty();
        }

        @Test
        void aReservationConfirmedAtOrAfterExpirationExpiresTheTransferAndReleases() {
            assertThat(when(given(ACCEPTED), new AcknowledgeReservation("t1", EXPIRES)))
                    .containsExactly(new TransferExpired("t1", "payer", "payee", 1_050, "USD", true));
        }

        @Test
        void aRefusedReservationAbortsWithThePositionsError() {
            assertThat(when(given(ACCEPTED), new RecordReservationRejected("t1", 4200, "Payer limit error", NOW)))
                    .containsExactly(new TransferAborted("t1", "payer", "payee", 1_050, "USD", 4200, "Payer limit error", false, null));
        }

        /**
         * What lets the command loop skip its repeat lookup for transfers ({@code TransferCodec#looksUpRepeats}): in
         * every state reachable by up to five commands of the lifecycle, at either hub time, a derived command that
         * once decided events decides none when it comes again, however late.
         */
        @Test
        void everyDerivedCommandAppliedAgainDecidesNothing() {
            List<TransferCommand> commands = new java.util.ArrayList<>();
            for (Instant at : List.of(NOW, EXPIRES)) {
                commands.add(new AcknowledgeReservation("t1", at));
                commands.add(new RecordReservationRejected("t1", 4001, "Payer FSP insufficient liquidity", at));
                commands.add(new ExpireTransfer("t1", at));
                commands.add(new FulfilTransfer("t1", "payee", FULFILMENT, "h-fulfil", at, false));
                commands.add(new FulfilTransfer("t1", "payee", WRONG_FULFILMENT, "h-bad", at, false));
                commands.add(new RejectTransfer("t1", "payee", 5100, "no such account", "h-r", at));
                commands.add(new AbortTransfer("t1", "payee", "h-a", at));
            }
            int[] repeatsChecked = {0};
            explore(given(ACCEPTED), List.of(), commands, 5, repeatsChecked);
            assertThat(repeatsChecked[0]).as("repeats checked").isGreaterThan(1_000);
        }

        private void explore(Transfer state, List<TransferCommand> applied, List<TransferCommand> commands, int depth,
                             int[] repeatsChecked) {
            for (TransferCommand done : applied) {
                for (Instant at : List.of(NOW, EXPIRES)) {
                    TransferCommand again = switch (done) {
                        case AcknowledgeReservation a -> new AcknowledgeReservation("t1", at);
                        case RecordReservationRejected r -> new RecordReservationRejected("t1", r.errorCode(),
                                r.errorDescription(), at);
                        case ExpireTransfer x -> new ExpireTransfer("t1", at);
                        default -> throw new IllegalStateException("not a derived command: " + done);
                    };
                    assertThat(when(state, again)).as("%s again after %s", again, applied).isEmpty();
                    repeatsChecked[0]++;
                }
            }
            if (depth == 0) {
                return;
            }
            for (TransferCommand command : commands) {
                List<TransferEvent> decided = when(state, command);
                Transfer next = state;
                for (TransferEvent e : decided) {
                    next = decider.evolve(next, e);
                }
                boolean derived = command instanceof AcknowledgeReservation || command instanceof RecordReservationRejected
                        || command instanceof ExpireTransfer;
                List<TransferCommand> nowApplied = applied;
                if (derived && !decided.isEmpty()) {
                    nowApplied = new java.util.ArrayList<>(applied);
                    nowApplied.add(command);
                }
                explore(next, nowApplied, commands, depth - 1, repeatsChecked);
            }
        }

        @Test
        void aReservationThatArrivesAfterTheTransferEndedIsReleasedOnce() {
            Transfer expired = given(ACCEPTED, new TransferExpired("t1", "payer", "payee", 1_050, "USD", false));
            List<TransferEvent> late = when(expired, new AcknowledgeReservation("t1", EXPIRES));
            assertThat(late).containsExactly(new LateReservationReleased("t1", "payer", 1_050, "USD"));
            Transfer released = decider.evolve(expired, late.getFirst());
            assertThat(when(released, new AcknowledgeReservation("t1", EXPIRES))).isEmpty();
        }
    }

    @Nested
    class Fulfil {
        private final Transfer reserved = given(ACCEPTED, RESERVED);

        @Test
        void theRightFulfilmentBeforeExpirationCommits() {
            assertThat(when(reserved, new FulfilTransfer("t1", "payee", FULFILMENT, "h-fulfil", NOW.plusSeconds(1), false)))
                    .containsExactly(new TransferCommitted("t1", "payer", "payee", 1_050, "USD", FULFILMENT,
                            NOW.plusSeconds(1), "h-fulfil", false));
        }

        @Test
        void onlyThePayeeMayFulfil() {
            refusedWith(when(reserved, new FulfilTransfer("t1", "payer", FULFILMENT, "h", NOW, false)), 3100,
                    "only the payee payee may fulfil");
        }

        @Test
        void theTransferMustBeReserved() {
            refusedWith(when(given(ACCEPTED), new FulfilTransfer("t1", "payee", FULFILMENT, "h", NOW, false)), 3100,
                    "in state RECEIVED; it must be RESERVED");
            refusedWith(when(given(), new FulfilTransfer("t1", "payee", FULFILMENT, "h", NOW, false)), 3100, "in state NONE");
        }

        @Test
        void aFulfilAtExpirationExpiresTheTransferInstead() {
            assertThat(when(reserved, new FulfilTransfer("t1", "payee", FULFILMENT, "h", EXPIRES, false)))
                    .containsExactly(new TransferExpired("t1", "payer", "payee", 1_050, "USD", true));
            Transfer expired = given(ACCEPTED, RESERVED, new TransferExpired("t1", "payer", "payee", 1_050, "USD", true));
            refusedWith(when(expired, new FulfilTransfer("t1", "payee", FULFILMENT, "h", EXPIRES, false)), 3303, "has expired");
        }

        @Test
        void aWrongFulfilmentAbortsAndReleases() {
            assertThat(when(reserved, new FulfilTransfer("t1", "payee", WRONG_FULFILMENT, "h-bad", NOW, false)))
                    .singleElement().isInstanceOfSatisfying(TransferAborted.class, a -> {
                        assertThat(a.errorCode()).isEqualTo(3100);
                        assertThat(a.errorDescription()).contains("invalid fulfilment");
                        assertThat(a.reservationHeld()).isTrue();
                    });
        }

        @Test
        void theSameFulfilAgainIsReportedAndADifferentOneIs3106() {
            Transfer committed = given(ACCEPTED, RESERVED,
                    new TransferCommitted("t1", "payer", "payee", 1_050, "USD", FULFILMENT, NOW, "h-fulfil", false));
            assertThat(when(committed, new FulfilTransfer("t1", "payee", FULFILMENT, "h-fulfil", NOW, false)))
                    .as("with the fulfilment and completion time, as the answer to a resend carries them")
                    .containsExactly(new TransferDuplicateReported("t1", "payee", "COMMITTED", FULFILMENT, NOW));
            refusedWith(when(committed, new FulfilTransfer("t1", "payee", FULFILMENT, "h-other", NOW, false)), 3106, "Modified request");
        }
    }

    @Nested
    class RejectAbortExpire {
        @Test
        void thePayeesRejectAbortsWithItsErrorAndReleasesWhatWasReserved() {
            assertThat(when(given(ACCEPTED, RESERVED), new RejectTransfer("t1", "payee", 5100, "no such account", "h-r", NOW)))
                    .containsExactly(new TransferAborted("t1", "payer", "payee", 1_050, "USD", 5100, "no such account", true, "h-r"));
            assertThat(when(given(ACCEPTED), new RejectTransfer("t1", "payee", 5100, "x", "h-r", NOW)))
                    .singleElement().isInstanceOfSatisfying(TransferAborted.class, a -> assertThat(a.reservationHeld()).isFalse());
            refusedWith(when(given(ACCEPTED, RESERVED), new RejectTransfer("t1", "payer", 5100, "x", "h-r", NOW)), 3100,
                    "only the payee");
        }

        @Test
        void theSameRejectAgainIsReportedAndADifferentOneIs3106() {
            Transfer rejected = given(ACCEPTED, RESERVED,
                    new TransferAborted("t1", "payer", "payee", 1_050, "USD", 5100, "x", true, "h-r"));
            assertThat(when(rejected, new RejectTransfer("t1", "payee", 5100, "x", "h-r", NOW)))
                    .containsExactly(new TransferDuplicateReported("t1", "payee", "ABORTED"));
            refusedWith(when(rejected, new AbortTransfer("t1", "payee", "h-a", NOW)), 3106, "Modified request");
        }

        @Test
        void anAbortEndsTheTransferWithAPayeeError() {
            assertThat(when(given(ACCEPTED, RESERVED), new AbortTransfer("t1", "payee", "h-a", NOW)))
                    .singleElement().isInstanceOfSatisfying(TransferAborted.class, a -> assertThat(a.errorCode()).isEqualTo(5000));
        }

        @Test
        void expiryIsJudgedByHubTimeAndOnlyForLiveTransfers() {
            assertThat(when(given(ACCEPTED, RESERVED), new ExpireTransfer("t1", EXPIRES.minusMillis(1)))).isEmpty();
            assertThat(when(given(ACCEPTED, RESERVED), new ExpireTransfer("t1", EXPIRES)))
                    .containsExactly(new TransferExpired("t1", "payer", "payee", 1_050, "USD", true));
            assertThat(when(given(ACCEPTED), new ExpireTransfer("t1", EXPIRES)))
                    .containsExactly(new TransferExpired("t1", "payer", "payee", 1_050, "USD", false));
            Transfer committed = given(ACCEPTED, RESERVED,
                    new TransferCommitted("t1", "payer", "payee", 1_050, "USD", FULFILMENT, NOW, "h", false));
            assertThat(when(committed, new ExpireTransfer("t1", EXPIRES))).isEmpty();
        }

        @Test
        void historyThatBreaksTheLifecycleIsABugAndThrows() {
            Transfer committed = given(ACCEPTED, RESERVED,
                    new TransferCommitted("t1", "payer", "payee", 1_050, "USD", FULFILMENT, NOW, "h", false));
            assertThatThrownBy(() -> decider.evolve(committed, new TransferExpired("t1", "payer", "payee", 1_050, "USD", true)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot follow state COMMITTED");
            assertThatThrownBy(() -> given(ACCEPTED, RESERVED,
                    new TransferCommitted("t1", "payer", "payee", 1_050, "USD", FULFILMENT, EXPIRES, "h", false)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("at or after expiration");
        }
    }
}
