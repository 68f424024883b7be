package dev.mizani.platform.domain.money;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FspiopAmountTest {

    @ParameterizedTest(name = "{0} {1} = {2} minor")
    @CsvSource({
            "100, USD, 10000",
            "100.5, USD, 10050",
            "0.01, USD, 1",
            "123.45, USD, 12345",
            "5, JPY, 5",
            "1.125, BHD, 1125",
            "999999999999999, USD, 99999999999999900"})
    void parsesExactMinorUnits(String amount, String currency, long minor) {
        assertThat(FspiopAmount.parse(amount, currency)).isEqualTo(new FspiopAmount.Valid(minor));
        assertThat(FspiopAmount.format(minor, currency)).isEqualTo(amount);
    }

    @ParameterizedTest(name = "{0} {1} refused: {2}")
    @CsvSource({
            "0, USD, must be positive",
            "-1, USD, not an FSPIOP amount",
            "1.50, USD, not an FSPIOP amount",
            "1.005, USD, has 3 decimals; USD allows 2",
            "1.5, JPY, has 1 decimals; JPY allows 0",
            "1e3, USD, not an FSPIOP amount",
            "01, USD, not an FSPIOP amount",
            "' 1', USD, not an FSPIOP amount",
            "1, XXX, not a supported ISO 4217 currency",
            "1, usd, not a supported ISO 4217 currency",
            "1, XAU, not a supported ISO 4217 currency",
            "999999999999999999.5, BHD, too large"})
    void refusesWhatIsNotAnExactAmountOfTheCurrency(String amount, String currency, String reason) {
        assertThat(FspiopAmount.parse(amount, currency))
                .isInstanceOfSatisfying(FspiopAmount.Invalid.class, i -> assertThat(i.reason()).contains(reason));
    }
}
