package dev.mizani.gateway.transfers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mizani.platform.domain.FspiopError;
import dev.mizani.gateway.fspiop.FspiopRejection;
import dev.mizani.platform.http.HttpServer.Reply;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.platform.testing.MetricsText;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AnswersTest {

    @Test
    void answersAreCountedByRouteAndStatusAndRefusalsByTheirFspiopCode() {
        Metrics metrics = new Metrics();
        Answers answers = new Answers(metrics);
        FspiopRejection invalid = FspiopRejection.badRequest(FspiopError.GENERIC_VALIDATION_ERROR, "no");
        Reply refused = new Reply(400, "application/json", invalid.toJson().getBytes(StandardCharsets.UTF_8), null);
        answers.count(Answers.PREPARE, System.nanoTime(), new Reply(202, null, null, null));
        answers.count(Answers.PREPARE, System.nanoTime(), refused);
        answers.count(Answers.PREPARE, System.nanoTime(), refused);
        answers.count(Answers.OTHER, new Reply(404, "text/plain", "nothing here".getBytes(StandardCharsets.UTF_8), null));

        String text = metrics.scrape();
        assertThat(MetricsText.value(text, "mizani_gateway_answers_total{route=\"POST /transfers\",status=\"202\"}")).isEqualTo(1);
        assertThat(MetricsText.value(text, "mizani_gateway_answers_total{route=\"POST /transfers\",status=\"400\"}")).isEqualTo(2);
        assertThat(MetricsText.value(text, "mizani_gateway_refusals_total{code=\"3100\",route=\"POST /transfers\"}")).isEqualTo(2);
        assertThat(MetricsText.value(text, "mizani_gateway_refusals_total{code=\"none\",route=\"other\"}")).isEqualTo(1);
        assertThat(MetricsText.value(text, "mizani_gateway_answer_seconds_count{route=\"POST /transfers\"}")).isEqualTo(3);
    }

    @Test
    void theErrorCodeIsReadFromTheBodyOnlyWhenItIsFourDigits() {
        assertThat(Answers.errorCode("{\"errorInformation\":{\"errorCode\":\"3106\",\"x\":1}}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("3106");
        assertThat(Answers.errorCode("{\"errorCode\":\"31\"}".getBytes(StandardCharsets.UTF_8))).isEqualTo("none");
        assertThat(Answers.errorCode("{\"errorCode\":\"abcd\"}".getBytes(StandardCharsets.UTF_8))).isEqualTo("none");
        assertThat(Answers.errorCode(new byte[0])).isEqualTo("none");
    }
}
