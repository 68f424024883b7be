package dev.mizani.participants.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mizani.participants.domain.ParticipantCommand.*;
import dev.mizani.participants.domain.ParticipantEvent.*;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Given events, when a command, then these events: the participant's rules without a broker or a database. */
class ParticipantDeciderTest {
    private static final PayeeFacts PAYEE_OK = new PayeeFacts(true, true, true);
    private final ParticipantDecider decider = new ParticipantDecider();

    private Participant given(ParticipantEvent... events) {
        Participant state = decider.initialState();
        for (ParticipantEvent e : events) {
            state = decider.evolve(state, e);
        }
        return state;
    }

    /** payer with a USD account: liquidity cover and NDC as given, nothing reserved. */
    private Participant payer(long liquidity, long ndc, ParticipantEvent... more) {
        ParticipantEvent[] base = {new ParticipantCreated("payer"), new CurrencyAdded("payer", "USD"),
                new NetDebitCapSet("payer", "USD", ndc), new FundsRecordedIn("payer", "USD", liquidity, "f-1", liquidity)};
        ParticipantEvent[] all = new ParticipantEvent[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return given(all);
    }

    private static ReservePayerFunds reserve(String transferId, long amount) {
        return new ReservePayerFunds("payer", "payee", transferId, amount, "USD", PAYEE_OK);
    }

    private List<ParticipantEvent> when(Participant state, ParticipantCommand command) {
        return decider.decide(command, state);
    }

    private static void rejectedWith(List<ParticipantEvent> events, int code, String detail) {
        assertThat(events).singleElement().isInstanceOfSatisfying(PayerFundsReservationRejected.class, r -> {
            assertThat(r.errorCode()).isEqualTo(code);
            assertThat(r.errorDescription()).contains(detail);
        });
    }

    @Nested
    class Reservation {
        @Test
        void withinLiquidityAndCapReservesAndCountsThePendingAmount() {
            assertThat(when(payer(1_000, 1_000), reserve("t1", 300)))
                    .containsExactly(new PayerFundsReserved("payer", "payee", "t1", 300, "USD", 0, 300));
        }

        @Test
        void unknownPayerIs3202() {
            rejectedWith(when(given(), reserve("t1", 1)), 3202, "payer FSP payer is not registered");
        }

        @Test
        void unknownPayeeIs3203() {
            rejectedWith(when(payer(1_000, 1_000), new ReservePayerFunds("payer", "ghost", "t1", 1, "USD",
                    new PayeeFacts(false, false, false))), 3203, "payee FSP ghost is not registered");
        }

        @Test
        void inactiveOrCurrencylessPartiesAre3100NamingWhich() {
            rejectedWith(when(payer(1_000, 1_000, new ParticipantActiveSet("payer", false)), reserve("t1", 1)),
                    3100, "payer FSP payer is inactive");
            rejectedWith(when(payer(1_000, 1_000), new ReservePayerFunds("payer", "payee", "t1", 1, "USD",
                    new PayeeFacts(true, false, true))), 3100, "payee FSP payee is inactive");
            rejectedWith(when(payer(1_000, 1_000), new ReservePayerFunds("payer", "payee", "t1", 1, "EUR",
                    PAYEE_OK)), 3100, "payer FSP payer has no EUR account");
            rejectedWith(when(payer(1_000, 1_000), new ReservePayerFunds("payer", "payee", "t1", 1, "USD",
                    new PayeeFacts(true, true, false))), 3100, "payee FSP payee has no USD account");
        }

        @Test
        void liquidityShortfallCountingReservationsIs4001() {
            Participant state = payer(500, 1_000, new PayerFundsReserved("payer", "payee", "t0", 300, "USD", 0, 300));
            rejectedWith(when(state, reserve("t1", 201)), 4001, "liquidity cover 500 less position and reservations 300");
            assertThat(when(state, reserve("t1", 200))).singleElement().isInstanceOf(PayerFundsReserved.class);
        }

        @Test
        void netDebitCapBreachCountingReservationsIs4200() {
            Participant state = payer(10_000, 500, new PayerFundsReserved("payer", "payee", "t0", 300, "USD", 0, 300));
            rejectedWith(when(state, reserve("t1", 201)), 4200, "net debit cap 500 less position and reservations 300");
        }

        @Test
        void liquidityIsCheckedBeforeTheCap() {
            rejectedWith(when(payer(100, 50), reserve("t1", 200)), 4001, "liquidity cover");
        }

        @Test
        void reservationsInOneBatchSeeEachOther() {
            Participant state = payer(10_000, 1_000);
            List<ParticipantEvent> outcomes = new java.util.ArrayList<>();
            for (String id : List.of("a", "b", "c")) {
                List<ParticipantEvent> events = when(state, reserve(id, 400));
                outcomes.addAll(events);
                for (ParticipantEvent e : events) {
                    state = decider.evolve(state, e);
                }
            }
            assertThat(outcomes).hasSize(3);
            assertThat(outcomes.get(1)).isEqualTo(new PayerFundsReserved("payer", "payee", "b", 400, "USD", 0, 800));
            rejectedWith(outcomes.subList(2, 3), 4200, "800");
        }

        @Test
        void aRedeliveredReserveRepeatsTheOutcomeAndReservesNothingMore() {
            Participant state = payer(1_000, 1_000, new PayerFundsReserved("payer", "payee", "t1", 300, "USD", 0, 300));
            List<ParticipantEvent> again = when(state, reserve("t1", 300));
            assertThat(again).containsExactly(new PayerFundsReserved("payer", "payee", "t1", 300, "USD", 0, 300));
            Participant after = decider.evolve(state, again.getFirst());
            assertThat(after).isEqualTo(state);
        }
    }

    @Nested
    class CommitAndRelease {
        private final Participant reserved = payer(1_000, 1_000,
                new PayerFundsReserved("payer", "payee", "t1", 300, "USD", 0, 300));

        @Test
        void commitTurnsTheReservationIntoPosition() {
            List<ParticipantEvent> events = when(reserved, new CommitPayerFunds("payer", "t1"));
            assertThat(events).containsExactly(new PayerFundsCommitted("payer", "t1", 300, "USD", 300, 0));
            Participant after = decider.evolve(reserved, events.getFirst());
            assertThat(when(after, new CommitPayerFunds("payer", "t1"))).as("a repeated commit").isEmpty();
        }

        @Test
        void releaseFreesTheReservationAndLeavesThePosition() {
            List<ParticipantEvent> events = when(reserved, new ReleasePayerFunds("payer", "t1"));
            assertThat(events).containsExactly(new PayerFundsReleased("payer", "t1", 300, "USD", 0));
            Participant after = decider.evolve(reserved, events.getFirst());
            assertThat(when(after, new ReleasePayerFunds("payer", "t1"))).as("a repeated release").isEmpty();
            assertThat(when(after, reserve("t2", 1_000))).singleElement().isInstanceOf(PayerFundsReserved.class);
        }

        @Test
        void thePayeesPositionFallsByTheCommittedAmount() {
            Participant payee = given(new ParticipantCreated("payee"), new CurrencyAdded("payee", "USD"));
            assertThat(when(payee, new CommitPayeeFunds("payee", "t1", 300, "USD")))
                    .containsExactly(new PayeeFundsCommitted("payee", "t1", 300, "USD", -300));
        }

        /** States share their pending reservations: a later event must not change what an earlier state holds. */
        @Test
        void everyStateKeepsItsOwnReservationsWhileLaterOnesComeAndGo() {
            Participant state = payer(1_000_000, 1_000_000);
            List<Participant> history = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                history.add(state);
                state = decider.evolve(state, new PayerFundsReserved("payer", "payee", "t" + i, 10, "USD", 0, 10L * (i + 1)));
            }
            for (int i = 0; i < 200; i += 2) {
                history.add(state);
                state = decider.evolve(state, new PayerFundsCommitted("payer", "t" + i, 10, "USD", 10L * (i / 2 + 1),
                        10L * (200 - i / 2 - 1)));
            }
            for (int i = 0; i < 200; i++) {
                assertThat(pendingIds(history.get(i))).hasSize(i).doesNotContain("t" + i);
            }
            assertThat(pendingIds(history.get(250))).hasSize(150).doesNotContain("t0", "t98").contains("t1", "t100");
            assertThat(pendingIds(state)).hasSize(100).allMatch(id -> Integer.parseInt(id.substring(1)) % 2 == 1);
            assertThat(when(state, new CommitPayerFunds("payer", "t1")))
                    .containsExactly(new PayerFundsCommitted("payer", "t1", 10, "USD", 1_010, 990));
        }

        private static java.util.Set<String> pendingIds(Participant state) {
            return ((Participant.Registered) state).accounts().get("USD").pending().keySet();
        }

        @Test
        void anEventWhoseTotalsDoNotFollowIsABugAndThrows() {
            assertThatThrownBy(() -> decider.evolve(reserved, new PayerFundsCommitted("payer", "t1", 300, "USD", 999, 0)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("computes position 300");
            assertThatThrownBy(() -> decider.evolve(reserved, new PayerFundsReleased("payer", "nope", 1, "USD", 0)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("without a pending reservation");
        }
    }

    @Nested
    class Administration {
        @Test
        void creatingTwiceOrAdministeringTheAbsentIsRefused() {
            Participant p = given(new ParticipantCreated("p"));
            assertThat(when(p, new CreateParticipant("p"))).singleElement()
                    .isInstanceOfSatisfying(ParticipantCommandRefused.class, r -> assertThat(r.errorCode()).isEqualTo(3100));
            assertThat(when(given(), new AddCurrency("q", "USD"))).singleElement()
                    .isInstanceOfSatisfying(ParticipantCommandRefused.class,
                            r -> assertThat(r.errorDescription()).contains("participant q does not exist"));
            assertThat(when(p, new AddCurrency("p", "XXX"))).singleElement().isInstanceOf(ParticipantCommandRefused.class);
        }

        @Test
        void fundsInRaiseLiquidityOnceAndFundsOutMayNotGoBelowWhatIsInUse() {
            Participant state = payer(1_000, 1_000, new PayerFundsReserved("payer", "payee", "t1", 300, "USD", 0, 300));
            assertThat(when(state, new RecordFundsIn("payer", "USD", 500, "f-2")))
                    .containsExactly(new FundsRecordedIn("payer", "USD", 500, "f-2", 1_500));
            assertThat(when(state, new RecordFundsIn("payer", "USD", 500, "f-1"))).as("same funds id again").isEmpty();
            assertThat(when(state, new RecordFundsOut("payer", "USD", 701, "f-3"))).singleElement()
                    .isInstanceOfSatisfying(ParticipantCommandRefused.class, r -> {
                        assertThat(r.errorCode()).isEqualTo(4001);
                        assertThat(r.errorDescription()).contains("against 300 in use");
                    });
            assertThat(when(state, new RecordFundsOut("payer", "USD", 700, "f-3")))
                    .containsExactly(new FundsRecordedOut("payer", "USD", 700, "f-3", 300));
        }

        @Test
        void fundsOutInTwoPhasesHoldsTheCoverUntilCommittedAndReturnsItOnAbort() {
            Participant state = payer(1_000, 1_000, new PayerFundsReserved("payer", "payee", "t1", 300, "USD", 0, 300));
            assertThat(when(state, new ReserveFundsOut("payer", "USD", 701, "fo-1"))).singleElement()
                    .isInstanceOfSatisfying(ParticipantCommandRefused.class, r -> assertThat(r.errorCode()).isEqualTo(4001));
            assertThat(when(state, new ReserveFundsOut("payer", "USD", 600, "fo-1")))
                    .containsExactly(new FundsOutReserved("payer", "USD", 600, "fo-1"));
            Participant held = decider.evolve(state, new FundsOutReserved("payer", "USD", 600, "fo-1"));
            assertThat(when(held, new ReserveFundsOut("payer", "USD", 600, "fo-1"))).as("same id again").isEmpty();
            assertThat(when(held, new ReserveFundsOut("payer", "USD", 101, "fo-2"))).as("cover already held")
                    .singleElement().isInstanceOf(ParticipantCommandRefused.class);
            assertThat(when(held, reserve("t2", 101))).as("transfers cannot draw on held cover")
                    .singleElement().isInstanceOf(PayerFundsReservationRejected.class);
            assertThat(when(held, new CommitFundsOut("payer", "fo-1")))
                    .containsExactly(new FundsRecordedOut("payer", "USD", 600, "fo-1", 400));
            assertThat(when(held, new AbortFundsOut("payer", "fo-1")))
                    .containsExactly(new FundsOutAborted("payer", "USD", 600, "fo-1"));

            Participant committed = decider.evolve(held, new FundsRecordedOut("payer", "USD", 600, "fo-1", 400));
            assertThat(when(committed, new CommitFundsOut("payer", "fo-1"))).as("repeated commit").isEmpty();
            assertThat(when(committed, new AbortFundsOut("payer", "fo-1"))).as("abort after commit").isEmpty();
            assertThat(when(committed, reserve("t2", 100))).as("cover 400 less 300 in use")
                    .singleElement().isInstanceOf(PayerFundsReserved.class);

            Participant aborted = decider.evolve(held, new FundsOutAborted("payer", "USD", 600, "fo-1"));
            assertThat(when(aborted, reserve("t2", 700))).as("the whole cover is usable again")
                    .singleElement().isInstanceOf(PayerFundsReserved.class);
            assertThat(when(aborted, new ReserveFundsOut("payer", "USD", 600, "fo-1"))).as("an aborted id is spent").isEmpty();
            assertThat(when(state, new CommitFundsOut("payer", "fo-9"))).singleElement()
                    .isInstanceOfSatisfying(ParticipantCommandRefused.class,
                            r -> assertThat(r.errorDescription()).contains("no funds out fo-9 is prepared"));
        }

        @Test
        void credentialsAreStoredAsKeyedHashesAndRateLimitsAreNotNegative() {
            Participant p = given(new ParticipantCreated("p"));
            String hash = "hmac-sha256:" + "0f".repeat(32);
            assertThat(when(p, new SetCredential("p", hash))).containsExactly(new CredentialSet("p", hash));
            assertThat(when(p, new SetCredential("p", "0f".repeat(32)))).as("an unkeyed hash of an older gateway")
                    .containsExactly(new CredentialSet("p", "0f".repeat(32)));
            assertThat(when(p, new SetCredential("p", "secret"))).singleElement().isInstanceOf(ParticipantCommandRefused.class);
            assertThat(when(p, new SetCredential("p", "hmac-sha256:secret"))).singleElement()
                    .isInstanceOf(ParticipantCommandRefused.class);
            assertThat(when(decider.evolve(p, new CredentialSet("p", hash)), new SetCredential("p", hash))).isEmpty();
            assertThat(when(p, new SetRateLimit("p", 100, 20))).containsExactly(new RateLimitSet("p", 100, 20));
            assertThat(when(p, new SetRateLimit("p", -1, 20))).singleElement().isInstanceOf(ParticipantCommandRefused.class);
            Participant limited = decider.evolve(decider.evolve(p, new CredentialSet("p", hash)), new RateLimitSet("p", 100, 20));
            assertThat(((Participant.Registered) limited).access()).isEqualTo(new Participant.Access(hash, 100, 20));
        }

        @Test
        void aJwsPublicKeyMustBeAnRsaKeyOfAtLeast2048Bits() throws Exception {
            Participant p = given(new ParticipantCreated("p"));
            var generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            String pem = "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                    generator.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
            assertThat(when(p, new SetJwsPublicKey("p", pem))).containsExactly(new JwsPublicKeySet("p", pem.strip()));
            assertThat(decider.evolve(p, new JwsPublicKeySet("p", pem))).as("the participant's own state").isEqualTo(p);
            generator.initialize(1024);
            String weak = "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                    generator.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
            for (String bad : new String[] {weak, "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}) {
                assertThat(when(p, new SetJwsPublicKey("p", bad))).singleElement().isInstanceOf(ParticipantCommandRefused.class);
            }
        }

        @Test
        void callbackEndpointsAreFspiopTypesWithHttpUrls() {
            Participant p = given(new ParticipantCreated("p"));
            assertThat(when(p, new SetCallbackEndpoint("p", "FSPIOP_CALLBACK_URL_TRANSFER_PUT", "https://dfsp.example/cb")))
                    .containsExactly(new CallbackEndpointSet("p", "FSPIOP_CALLBACK_URL_TRANSFER_PUT", "https://dfsp.example/cb"));
            assertThat(when(p, new SetCallbackEndpoint("p", "FSPIOP_CALLBACK_URL_QUOTES", "https://dfsp.example/cb")))
                    .as("other central-ledger types are kept for onboarding scripts").singleElement()
                    .isInstanceOf(CallbackEndpointSet.class);
            assertThat(when(p, new SetCallbackEndpoint("p", "NET_DEBIT_CAP_ADJUSTMENT_EMAIL", "ops@dfsp.example")))
                    .singleElement().isInstanceOf(CallbackEndpointSet.class);
            assertThat(when(p, new SetCallbackEndpoint("p", "callback url", "https://dfsp.example/cb")))
                    .singleElement().isInstanceOfSatisfying(ParticipantCommandRefused.class,
                            r -> assertThat(r.errorDescription()).contains("endpoint type"));
            assertThat(when(p, new SetCallbackEndpoint("p", "ALARM_NOTIFICATION_URL", "line\nbreak")))
                    .singleElement().isInstanceOf(ParticipantCommandRefused.class);
            assertThat(when(p, new SetCallbackEndpoint("p", "FSPIOP_CALLBACK_URL_TRANSFER_PUT", "ftp://dfsp.example")))
                    .singleElement().isInstanceOf(ParticipantCommandRefused.class);
            Participant set = decider.evolve(p, new CallbackEndpointSet("p", "FSPIOP_CALLBACK_URL_TRANSFER_PUT", "https://dfsp.example/cb"));
            assertThat(((Participant.Registered) set).endpoints()).containsEntry("FSPIOP_CALLBACK_URL_TRANSFER_PUT", "https://dfsp.example/cb");
            assertThat(when(set, new SetCallbackEndpoint("p", "FSPIOP_CALLBACK_URL_TRANSFER_PUT", "https://dfsp.example/cb")))
                    .as("the same URL again").isEmpty();
        }

        @Test
        void initialPositionOnceBeforeAnyTransferAndCapsNotNegative() {
            Participant state = payer(1_000, 1_000);
            assertThat(when(state, new SetInitialPosition("payer", "USD", 50)))
                    .containsExactly(new InitialPositionSet("payer", "USD", 50));
            Participant set = decider.evolve(state, new InitialPositionSet("payer", "USD", 50));
            assertThat(when(set, new SetInitialPosition("payer", "USD", 60))).singleElement()
                    .isInstanceOf(ParticipantCommandRefused.class);
            assertThat(when(state, new SetNetDebitCap("payer", "USD", -1))).singleElement()
                    .isInstanceOf(ParticipantCommandRefused.class);
        }
    }
}
