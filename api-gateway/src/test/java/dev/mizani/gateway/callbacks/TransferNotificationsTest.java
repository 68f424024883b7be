package dev.mizani.gateway.callbacks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferDuplicateReported;
import dev.mizani.schemas.transfer.TransferExpired;
import dev.mizani.schemas.transfer.TransferPrepareRejected;
import dev.mizani.schemas.transfer.TransferRequestRefused;
import dev.mizani.schemas.transfer.TransferReserved;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TransferNotificationsTest {
    private static final Instant AT = Instant.parse("2026-11-21T12:00:00.120Z");

    @Test
    void theReservedPrepareGoesToThePayeeWithItsTerms() {
        var callbacks = TransferNotifications.callbacksFor(
                new TransferReserved("t1", "payer", "payee", 1_050L, "USD", "ilp", "cond", AT, null));
        assertThat(callbacks).singleElement().satisfies(c -> {
            assertThat(c.participant()).isEqualTo("payee");
            assertThat(c.endpointType()).isEqualTo(Callback.POST);
            assertThat(c.body()).contains("\"amount\":{\"amount\":\"10.5\",\"currency\":\"USD\"}")
                    .contains("\"expiration\":\"2026-11-21T12:00:00.120Z\"").contains("\"condition\":\"cond\"");
        });
    }

    @Test
    void aCommitGoesToThePayerAndAnExpiryToBothAs3303() {
        assertThat(TransferNotifications.callbacksFor(new TransferCommitted("t1", "payer", "payee", 1L, "USD", "f", AT, "h", false, null)))
                .singleElement().satisfies(c -> {
                    assertThat(c.participant()).isEqualTo("payer");
                    assertThat(c.method()).isEqualTo("PUT");
                    assertThat(c.body()).contains("\"transferState\":\"COMMITTED\"").contains("\"fulfilment\":\"f\"");
                });
        assertThat(TransferNotifications.callbacksFor(new TransferExpired("t1", "payer", "payee", 1L, "USD", true)))
                .extracting(Callback::participant, Callback::endpointType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("payer", Callback.ERROR),
                        org.assertj.core.groups.Tuple.tuple("payee", Callback.ERROR));
        assertThat(TransferNotifications.callbacksFor(new TransferExpired("t1", "payer", "payee", 1L, "USD", true)).getFirst()
                .body()).contains("\"errorCode\":\"3303\"");
    }

    @Test
    void aPayeeThatFulfilledWithReservedIsToldOfTheCommitByPatch() {
        var callbacks = TransferNotifications.callbacksFor(new TransferCommitted("t1", "payer", "payee", 1L, "USD", "f", AT,
                "h", true, null));
        assertThat(callbacks).extracting(Callback::participant, Callback::method, Callback::endpointType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("payer", "PUT", Callback.PUT),
                        org.assertj.core.groups.Tuple.tuple("payee", "PATCH", Callback.PUT));
        // the commit is the payee's answer forwarded; the PATCH is the hub's own word
        assertThat(callbacks).extracting(Callback::from).containsExactly("payee", null);
        assertThat(callbacks.get(1).body()).isEqualTo(
                "{\"completedTimestamp\":\"2026-11-21T12:00:00.120Z\",\"transferState\":\"COMMITTED\"}");
    }

    @Test
    void aTransferThatNeverReachedThePayeeEndsWithThePayerOnly() {
        assertThat(TransferNotifications.callbacksFor(new TransferAborted("t1", "payer", "payee", 1L, "USD", 4200,
                "Payer limit error", false, null, null, false))).singleElement().satisfies(c -> {
                    assertThat(c.participant()).isEqualTo("payer");
                    assertThat(c.body()).contains("\"errorCode\":\"4200\"");
                });
        assertThat(TransferNotifications.callbacksFor(new TransferExpired("t1", "payer", "payee", 1L, "USD", false)))
                .extracting(Callback::participant).containsExactly("payer");
        assertThat(TransferNotifications.callbacksFor(new TransferAborted("t1", "payer", "payee", 1L, "USD", 5100,
                "rejected", true, "h", null, false))).extracting(Callback::participant).containsExactly("payer", "payee");
    }

    @Test
    void aPayeeThatAnsweredReservedWithAWrongFulfilmentIsToldAbortedByPatch() {
        var callbacks = TransferNotifications.callbacksFor(new TransferAborted("t1", "payer", "payee", 1L, "USD", 3100,
                "Generic validation error - invalid fulfilment", true, "h", null, true), AT);
        assertThat(callbacks).hasSize(2);
        assertThat(callbacks.get(0)).satisfies(c -> {
            assertThat(c.participant()).isEqualTo("payer");
            assertThat(c.endpointType()).isEqualTo(Callback.ERROR);
            assertThat(c.body()).contains("\"errorCode\":\"3100\"");
        });
        assertThat(callbacks.get(1)).satisfies(c -> {
            assertThat(c.participant()).isEqualTo("payee");
            assertThat(c.method()).isEqualTo("PATCH");
            assertThat(c.endpointType()).isEqualTo(Callback.PUT);
            assertThat(c.body()).isEqualTo("{\"completedTimestamp\":\"2026-11-21T12:00:00.120Z\",\"transferState\":\"ABORTED\","
                    + "\"extensionList\":{\"extension\":[{\"key\":\"cause\",\"value\":\"3100: Generic validation error - invalid fulfilment\"}]}}");
        });
    }

    @Test
    void refusalsGoToTheirSenderAndAResentPrepareGetsTheFinishedState() {
        assertThat(TransferNotifications.callbacksFor(new TransferPrepareRejected("t1", "payer", "payee", 3100, "bad", "h")))
                .singleElement().satisfies(c -> assertThat(c.participant()).isEqualTo("payer"));
        assertThat(TransferNotifications.callbacksFor(new TransferRequestRefused("t1", "payee", 3106, "Modified request")))
                .singleElement().satisfies(c -> {
                    assertThat(c.participant()).isEqualTo("payee");
                    assertThat(c.body()).contains("\"errorCode\":\"3106\"");
                });
        assertThat(TransferNotifications.callbacksFor(new TransferDuplicateReported("t1", "payer", "RESERVED", null, null)))
                .as("in progress: the final callback follows").isEmpty();
        assertThat(TransferNotifications.callbacksFor(new TransferDuplicateReported("t1", "payer", "COMMITTED", "ful", AT)))
                .singleElement().satisfies(c -> {
                    assertThat(c.participant()).isEqualTo("payer");
                    assertThat(c.endpointType()).isEqualTo(Callback.PUT);
                    assertThat(c.body()).isEqualTo("{\"fulfilment\":\"ful\",\"completedTimestamp\":\"2026-11-21T12:00:00.120Z\","
                            + "\"transferState\":\"COMMITTED\"}");
                });
        assertThat(TransferNotifications.callbacksFor(new TransferDuplicateReported("t1", "payer", "EXPIRED", null, null)))
                .singleElement().satisfies(c -> assertThat(c.body()).contains("\"transferState\":\"ABORTED\""));
    }
}
