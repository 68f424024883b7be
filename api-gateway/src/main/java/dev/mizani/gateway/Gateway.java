package dev.mizani.gateway;

import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.security.CredentialKey;
import dev.mizani.platform.metrics.Metrics;
import dev.mizani.gateway.admin.AdminApi;
import dev.mizani.gateway.callbacks.CallbackNotifier;
import dev.mizani.gateway.participants.ParticipantCommands;
import dev.mizani.gateway.participants.ParticipantsView;
import dev.mizani.gateway.security.ParticipantGuard;
import dev.mizani.gateway.security.LoadSharing;
import dev.mizani.gateway.security.RateLimits;
import dev.mizani.gateway.transfers.TransferStates;
import dev.mizani.gateway.transfers.TransfersGateway;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.readside.SettlementWindowQueries;
import java.time.Clock;
import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Everything DFSPs and operators talk to, as one unit a launcher starts: the FSPIOP transfers API, the admin
 * API, the callback notifier and the participants view they share. Stops in reverse order of start.
 */
public final class Gateway implements AutoCloseable {
    /** How often each gateway process tells the others what it admitted per participant (shared rate limits). */
    static final java.time.Duration LOAD_SHARED_EVERY = java.time.Duration.ofMillis(100);

    /**
     * @param operatorCredentialSha256 hex SHA-256 of the operator's bearer credential
     * @param rateLimitPerSecond       a participant's request rate unless an operator set its own
     * @param commandLingerMs          how long the transfers API's producer waits to fill a produce request
     *                                 ({@link TransfersGateway#COMMAND_LINGER_MS_DEFAULT})
     * @param completedWindow          how far a payee's completedTimestamp may be from the hub's clock
     */
    public record Settings(String host, int transfersPort, int adminPort, String operatorCredentialSha256, String hubName,
                           int rateLimitPerSecond, int rateLimitBurst, Duration sendTimeout, Duration adminWait,
                           CallbackNotifier.Settings callbacks,
                           java.util.Optional<dev.mizani.gateway.security.MutualTls> mutualTls,
                           int commandLingerMs, CredentialKey credentialKey,
                           dev.mizani.gateway.fspiop.CompletedTimestampWindow completedWindow,
                           dev.mizani.gateway.security.Jws.Settings jws) {}

    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    public final ParticipantsView participants;
    public final TransfersGateway transfers;
    public final AdminApi admin;

    /**
     * @param readStore   the hub's database: GET /transfers/{ID} is answered from its event store, and the
     *                    participants view starts from the participants' streams there
     * @param windows     the read side's settlement windows, for the admin routes
     * @param metrics     where the transfers API counts its answers and the notifier its callbacks
     * @param health      the process's checks, which every API serves at {@code GET /health}
     * @param unavailable why the hub cannot commit transfers now, or null when it can: FSPIOP requests are then
     *                    refused with 503 instead of accepted
     */
    public Gateway(String bootstrap, CachedSchemaRegistry registry, Clock clock, Settings s, DataSource readStore,
                   SettlementWindowQueries windows, Metrics metrics, Health health,
                   java.util.function.Supplier<String> unavailable) {
        try {
            participants = started(new ParticipantsView(bootstrap, registry, new EventStore(readStore)));
            health.register("participants-view", participants::check);
            ParticipantCommands commands = started(new ParticipantCommands(bootstrap, registry, participants, clock, s.adminWait()));
            admin = started(new AdminApi(s.host(), s.adminPort(), participants, commands, s.operatorCredentialSha256(),
                    s.hubName(), windows, s.adminWait(), health, s.credentialKey()).start());
            RateLimits limits = new RateLimits(System::nanoTime);
            started(new LoadSharing(bootstrap, limits, LOAD_SHARED_EVERY).start());
            ParticipantGuard guard = new ParticipantGuard(participants, s.credentialKey(), limits,
                    s.rateLimitPerSecond(), s.rateLimitBurst());
            CallbackNotifier callbacks = started(new CallbackNotifier(bootstrap, registry, participants, clock,
                    s.hubName(), s.callbacks(), s.mutualTls(), s.jws().signingKey(), metrics));
            health.register("callback-notifier", callbacks::check);
            transfers = started(new TransfersGateway(s.host(), s.transfersPort(), bootstrap, registry, guard, clock,
                    s.sendTimeout(), new TransferStates(new EventStore(readStore), registry,
                            id -> participants.fundsTransfer(id).map(f -> TransferStates.ofFunds(f, s.hubName()))), callbacks, s.mutualTls(),
                    s.commandLingerMs(), s.completedWindow(), s.jws().verify() ? participants::jwsKey : null, s.hubName(),
                    metrics, health, unavailable).start());
        } catch (RuntimeException e) {
            close(); // a port already taken, say: what did start stops
            throw e;
        }
    }

    private <T extends AutoCloseable> T started(T piece) {
        running.push(piece);
        return piece;
    }

    @Override
    public void close() {
        for (AutoCloseable piece; (piece = running.pollFirst()) != null; ) {
            try {
                piece.close();
            } catch (Exception e) {
                // keep stopping the rest
            }
        }
    }
}
