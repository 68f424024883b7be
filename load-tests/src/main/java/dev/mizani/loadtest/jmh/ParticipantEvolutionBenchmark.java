package dev.mizani.loadtest.jmh;

import dev.mizani.participants.domain.Participant;
import dev.mizani.participants.domain.ParticipantCommand.CommitPayerFunds;
import dev.mizani.participants.domain.ParticipantCommand.PayeeFacts;
import dev.mizani.participants.domain.ParticipantCommand.ReservePayerFunds;
import dev.mizani.participants.domain.ParticipantDecider;
import dev.mizani.participants.domain.ParticipantEvent;
import dev.mizani.participants.domain.ParticipantEvent.CurrencyAdded;
import dev.mizani.participants.domain.ParticipantEvent.FundsRecordedIn;
import dev.mizani.participants.domain.ParticipantEvent.NetDebitCapSet;
import dev.mizani.participants.domain.ParticipantEvent.ParticipantCreated;
import dev.mizani.participants.domain.ParticipantEvent.PayerFundsReserved;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one transfer costs a payer's aggregate in the participants handler: decide and apply its reservation,
 * then decide and apply its commit, against a payer that already has {@code inFlight} reservations pending. A
 * hot payer holds hundreds in flight at steady state and thousands when the hub falls behind, so this cost must
 * not grow with them.
 *
 * <pre>./mvnw -q -pl load-tests exec:exec -Dbench=org.openjdk.jmh.Main -Dbench.args="ParticipantEvolution"</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ParticipantEvolutionBenchmark {
    private static final PayeeFacts PAYEE = new PayeeFacts(true, true, true);

    @Param({"10", "100", "1000", "10000"})
    public int inFlight;

    private final ParticipantDecider decider = new ParticipantDecider();
    private Participant payer;
    private ReservePayerFunds reserve;
    private CommitPayerFunds commit;

    @Setup
    public void payerWithReservationsInFlight() {
        long cover = 1_000_000_000L;
        Participant state = decider.initialState();
        for (ParticipantEvent e : List.of(new ParticipantCreated("payer"), new CurrencyAdded("payer", "USD"),
                new NetDebitCapSet("payer", "USD", cover), new FundsRecordedIn("payer", "USD", cover, "f-1", cover))) {
            state = decider.evolve(state, e);
        }
        for (int i = 0; i < inFlight; i++) {
            state = decider.evolve(state, new PayerFundsReserved("payer", "payee", "in-flight-" + i, 100, "USD", 0,
                    100L * (i + 1)));
        }
        payer = state;
        reserve = new ReservePayerFunds("payer", "payee", "measured", 100, "USD", PAYEE);
        commit = new CommitPayerFunds("payer", "measured");
    }

    /** Reserve, then commit, one more transfer: four calls, as the handler makes them for each transfer. */
    @Benchmark
    public Participant reserveThenCommit() {
        Participant reserved = applied(payer, decider.decide(reserve, payer));
        return applied(reserved, decider.decide(commit, reserved));
    }

    private Participant applied(Participant state, List<ParticipantEvent> events) {
        for (ParticipantEvent e : events) {
            state = decider.evolve(state, e);
        }
        return state;
    }
}
