package dev.mizani.gateway.participants;

import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.health.Health;
import dev.mizani.platform.kafka.TopicFollower;
import dev.mizani.platform.security.JwsKeys;
import dev.mizani.schemas.HubTopics;
import dev.mizani.schemas.ParticipantFacts;
import dev.mizani.schemas.participant.*;
import dev.mizani.schemas.registry.CachedSchemaRegistry;
import dev.mizani.schemas.registry.RegistryUnavailableException;
import dev.mizani.schemas.wire.AvroWireCodec;
import dev.mizani.schemas.wire.EventWireCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's picture of every participant, read from participants.events into memory: what the admin
 * API shows, the callback endpoints, credentials and rate limits. It also tells a caller waiting on a
 * command which event that command caused. The view trails the participants handler by the time an event
 * takes to reach it; the admin API waits on the outcome, so an operator reads their own writes. Bounded by
 * the number of participants, currencies and funds transfer ids (operator actions, not transfers).
 */
public final class ParticipantsView implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParticipantsView.class);

    /** One currency: its position account and settlement (liquidity) account, numbered in order of addition. */
    public record Account(String currency, int positionAccountId, long netDebitCapMinor, long positionMinor,
                          long reservedMinor, long liquidityCoverMinor, long fundsOutReservedMinor,
                          Instant changedAt) {
        public int settlementAccountId() {
            return positionAccountId + 1;
        }
    }

    public record Participant(String name, boolean active, Instant createdAt, List<Account> accounts,
                              Map<String, String> endpoints, Set<String> fundsTransferIds,
                              Set<String> fundsOutPending, int requestsPerSecond, int burst) {
        public Optional<Account> account(String currency) {
            return accounts.stream().filter(a -> a.currency().equals(currency)).findFirst();
        }

        /** The account a central-ledger style account id names: odd ids are positions, even ones settlement. */
        public Optional<Account> accountById(int id) {
            return accounts.stream().filter(a -> a.positionAccountId() == id || a.settlementAccountId() == id).findFirst();
        }
    }

    /**
     * A funds in or out, as central-ledger records it as a transfer between the participant's settlement account and
     * the hub's reconciliation account: RESERVED (funds out prepared), COMMITTED or ABORTED, since {@code at}.
     */
    public record FundsTransfer(String participant, boolean in, String currency, long amountMinor, String state,
                                Instant at) {}

    private final Map<String, Participant> participants = new ConcurrentHashMap<>();
    /** Funds transfers by id: operator actions, as many as the hub has had. */
    private final Map<String, FundsTransfer> fundsTransfers = new ConcurrentHashMap<>();
    /** Per currency, the hub's reconciliation account: funds in less funds out committed, of every participant. */
    private final Map<String, Long> reconciliation = new ConcurrentHashMap<>();
    /** Credential hash to participant name: who a presented credential belongs to. */
    private final Map<String, String> credentials = new ConcurrentHashMap<>();
    private final Map<String, java.security.PublicKey> jwsKeys = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Object>> awaited = new ConcurrentHashMap<>();
    /** The last transfers' position changes applied here: some 100 s of them at 2,000 transfers/s. */
    private final PositionEffects effects = new PositionEffects(200_000);
    private final EventWireCodec<ParticipantEventEnvelope> events;
    private final TopicFollower follower;

    /** Each participant's stream version last applied: an event at or below it is a repeat and changes nothing. */
    private final Map<String, Long> versions = new HashMap<>();

    /**
     * Reads every participant's stream from the event store, then follows participants.events from where it ended
     * when this started: the view never needs the topic's history, so no retention setting can make the gateway
     * forget a participant, its credential or its endpoints.
     */
    public ParticipantsView(String bootstrap, CachedSchemaRegistry registry, EventStore store) {
        this.events = new EventWireCodec<>(registry, HubTopics.PARTICIPANTS_EVENTS,
                ParticipantEventEnvelope.getClassSchema());
        this.follower = TopicFollower.fromEnd("participants-view", bootstrap, List.of(HubTopics.PARTICIPANTS_EVENTS),
                r -> apply(r.partition(), r.offset(), r.value()));
        try {
            store.forEachInStreams("participant-", e -> apply(-1, e.globalPosition(), e.payload()));
        } catch (java.sql.SQLException e) {
            follower.close();
            throw new IllegalStateException("cannot read the participants' streams: " + e.getMessage(), e);
        }
        follower.start();
    }

    /** Fed by the caller through {@link #apply}, record by record in each partition's order. */
    public ParticipantsView(CachedSchemaRegistry registry) {
        this.events = new EventWireCodec<>(registry, HubTopics.PARTICIPANTS_EVENTS,
                ParticipantEventEnvelope.getClassSchema());
        this.follower = null;
    }

    /** Down once the view stopped following participants.events: callbacks, keys and limits would go stale. */
    public Health.Check check() {
        return follower == null ? Health.Check.up("fed by its caller") : follower.check();
    }

    public Optional<Participant> participant(String name) {
        return Optional.ofNullable(participants.get(name));
    }

    public List<Participant> all() {
        List<Participant> list = new ArrayList<>(participants.values());
        list.sort(java.util.Comparator.comparing(Participant::createdAt).thenComparing(Participant::name));
        return list;
    }

    /** A funds in or out by its transfer id, if the hub has one. */
    public Optional<FundsTransfer> fundsTransfer(String transferId) {
        return Optional.ofNullable(fundsTransfers.get(transferId));
    }

    /**
     * The hub's reconciliation account in this currency, central-ledger's way: the counterpart of every funds in
     * (which raises it) and committed funds out (which lowers it), so it is the negative of what the settlement
     * accounts hold from funds transfers.
     */
    public long reconciliationMinor(String currency) {
        return reconciliation.getOrDefault(currency, 0L);
    }

    /** The participant whose credential hashes to this, if any. */
    public Optional<String> holderOf(String credentialSha256) {
        return Optional.ofNullable(credentials.get(credentialSha256));
    }

    /** The URL for the type, with {{transferId}} filled in. */
    public Optional<String> callbackUrl(String participant, String type, String transferId) {
        Participant p = participants.get(participant);
        return p == null ? Optional.empty()
                : Optional.ofNullable(p.endpoints().get(type)).map(u -> u.replace("{{transferId}}", transferId));
    }

    /**
     * Completes with the payload of the first event the command causes. Register before sending, so the event
     * cannot pass unseen; {@link #forget} when no longer waiting.
     */
    public CompletableFuture<Object> outcomeOf(String commandId) {
        return awaited.computeIfAbsent(commandId, k -> new CompletableFuture<>());
    }

    /**
     * Completes once the positions this view shows include these changes of a transfer ({@link PositionEffects#commit},
     * {@link PositionEffects#release}), or after {@code limit}, so a callback telling the transfer's end can go out
     * after the positions its reader asks for next. True: they are included.
     */
    public CompletableFuture<Boolean> positionsInclude(List<String> changes, java.time.Duration limit) {
        if (changes.isEmpty()) {
            return CompletableFuture.completedFuture(true);
        }
        return effects.whenApplied(changes).thenApply(v -> true)
                .completeOnTimeout(false, limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((included, e) -> {
                    if (!Boolean.TRUE.equals(included)) {
                        effects.forget(changes);
                    }
                });
    }

    public void forget(String commandId) {
        awaited.remove(commandId);
    }

    /**
     * Applies one record of participants.events. Events come again (a handler republishes after a crash; a
     * repeated command's stored outcome is published again, long after newer events of the same stream): each
     * participant's stream version decides, so the view never goes back to an older state. A waiting caller
     * still learns its command's outcome from a repeat.
     */
    public void apply(int partition, long offset, byte[] value) {
        ParticipantEventEnvelope envelope;
        try {
            envelope = events.decode(value);
        } catch (RegistryUnavailableException e) {
            throw e; // its follower reads it again once the registry answers
        } catch (RuntimeException e) {
            log.warn("participants.events {}-{} is unreadable here: {}", partition, offset, e.toString());
            return;
        }
        Instant at = envelope.getMetadata().getRecordedAt();
        synchronized (this) {
            long version = envelope.getMetadata().getVersion();
            if (version > versions.getOrDefault(envelope.getMetadata().getStreamId(), 0L)) {
                versions.put(envelope.getMetadata().getStreamId(), version);
                for (Object fact : ParticipantFacts.of(envelope.getPayload())) {
                    evolve(fact, at);
                }
            }
        }
        for (Object fact : ParticipantFacts.of(envelope.getPayload())) {
            String effect = PositionEffects.of(fact);
            if (effect != null) {
                effects.applied(effect); // a repeat too: its change is in the view either way
            }
        }
        String causation = envelope.getMetadata().getCausationId();
        if (causation != null) {
            CompletableFuture<Object> waiting = awaited.remove(causation);
            if (waiting != null) {
                waiting.complete(envelope.getPayload());
            }
        }
    }

    private void evolve(Object event, Instant at) {
        switch (event) {
            case ParticipantCreated e -> participants.putIfAbsent(e.getParticipant(), new Participant(e.getParticipant(),
                    true, at, List.of(), Map.of(), Set.of(), Set.of(), 0, 0));
            case CurrencyAdded e -> change(e.getParticipant(), p -> p.account(e.getCurrency()).isPresent() ? p
                    : withAccounts(p, append(p.accounts(), new Account(e.getCurrency(), 2 * p.accounts().size() + 1,
                    0, 0, 0, 0, 0, at))));
            case NetDebitCapSet e -> account(e.getParticipant(), e.getCurrency(), a -> new Account(a.currency(),
                    a.positionAccountId(), e.getNetDebitCapMinor(), a.positionMinor(), a.reservedMinor(),
                    a.liquidityCoverMinor(), a.fundsOutReservedMinor(), at));
            case InitialPositionSet e -> account(e.getParticipant(), e.getCurrency(), a -> positioned(a,
                    e.getPositionMinor(), a.reservedMinor(), at));
            case FundsRecordedIn e -> {
                account(e.getParticipant(), e.getCurrency(), a -> covered(a, e.getLiquidityCoverMinor(),
                        a.fundsOutReservedMinor(), at));
                funds(e.getParticipant(), e.getFundsTransferId(), false);
                fundsTransfers.put(e.getFundsTransferId(), new FundsTransfer(e.getParticipant(), true, e.getCurrency(),
                        e.getAmountMinor(), "COMMITTED", at));
                reconciliation.merge(e.getCurrency(), e.getAmountMinor(), Long::sum);
            }
            case FundsOutReserved e -> {
                account(e.getParticipant(), e.getCurrency(), a -> covered(a, a.liquidityCoverMinor(),
                        a.fundsOutReservedMinor() + e.getAmountMinor(), at));
                funds(e.getParticipant(), e.getFundsTransferId(), true);
                fundsTransfers.put(e.getFundsTransferId(), new FundsTransfer(e.getParticipant(), false, e.getCurrency(),
                        e.getAmountMinor(), "RESERVED", at));
            }
            case FundsRecordedOut e -> {
                boolean wasPending = participant(e.getParticipant()).map(p -> p.fundsOutPending()
                        .contains(e.getFundsTransferId())).orElse(false);
                account(e.getParticipant(), e.getCurrency(), a -> covered(a, e.getLiquidityCoverMinor(),
                        a.fundsOutReservedMinor() - (wasPending ? e.getAmountMinor() : 0), at));
                funds(e.getParticipant(), e.getFundsTransferId(), false);
                fundsTransfers.put(e.getFundsTransferId(), new FundsTransfer(e.getParticipant(), false, e.getCurrency(),
                        e.getAmountMinor(), "COMMITTED", at));
                reconciliation.merge(e.getCurrency(), -e.getAmountMinor(), Long::sum);
            }
            case FundsOutAborted e -> {
                account(e.getParticipant(), e.getCurrency(), a -> covered(a, a.liquidityCoverMinor(),
                        a.fundsOutReservedMinor() - e.getAmountMinor(), at));
                funds(e.getParticipant(), e.getFundsTransferId(), false);
                fundsTransfers.put(e.getFundsTransferId(), new FundsTransfer(e.getParticipant(), false, e.getCurrency(),
                        e.getAmountMinor(), "ABORTED", at));
            }
            case ParticipantActiveSet e -> change(e.getParticipant(), p -> new Participant(p.name(), e.getActive(),
                    p.createdAt(), p.accounts(), p.endpoints(), p.fundsTransferIds(), p.fundsOutPending(),
                    p.requestsPerSecond(), p.burst()));
            case CallbackEndpointSet e -> change(e.getParticipant(), p -> {
                Map<String, String> endpoints = new HashMap<>(p.endpoints());
                endpoints.put(e.getType(), e.getUrl());
                return new Participant(p.name(), p.active(), p.createdAt(), p.accounts(), Map.copyOf(endpoints),
                        p.fundsTransferIds(), p.fundsOutPending(), p.requestsPerSecond(), p.burst());
            });
            case CredentialSet e -> {
                credentials.values().removeIf(e.getParticipant()::equals);
                credentials.put(e.getCredentialSha256(), e.getParticipant());
            }
            case JwsPublicKeySet e -> jwsKeys.put(e.getParticipant(), JwsKeys.rsaPublicKey(e.getPublicKeyPem()));
            case RateLimitSet e -> change(e.getParticipant(), p -> new Participant(p.name(), p.active(), p.createdAt(),
                    p.accounts(), p.endpoints(), p.fundsTransferIds(), p.fundsOutPending(), e.getRequestsPerSecond(),
                    e.getBurst()));
            case PayerFundsReserved e -> account(e.getParticipant(), e.getCurrency(), a -> positioned(a,
                    e.getPositionMinor(), e.getReservedMinor(), at));
            case PayerFundsCommitted e -> account(e.getParticipant(), e.getCurrency(), a -> positioned(a,
                    e.getPositionMinor(), e.getReservedMinor(), at));
            case PayeeFundsCommitted e -> account(e.getParticipant(), e.getCurrency(), a -> positioned(a,
                    e.getPositionMinor(), a.reservedMinor(), at));
            case PayerFundsReleased e -> account(e.getParticipant(), e.getCurrency(), a -> positioned(a,
                    a.positionMinor(), e.getReservedMinor(), at));
            default -> { } // refusals change nothing
        }
    }

    private static Account positioned(Account a, long position, long reserved, Instant at) {
        return new Account(a.currency(), a.positionAccountId(), a.netDebitCapMinor(), position, reserved,
                a.liquidityCoverMinor(), a.fundsOutReservedMinor(), at);
    }

    private static Account covered(Account a, long cover, long fundsOutReserved, Instant at) {
        return new Account(a.currency(), a.positionAccountId(), a.netDebitCapMinor(), a.positionMinor(),
                a.reservedMinor(), cover, fundsOutReserved, at);
    }

    private void funds(String participant, String fundsTransferId, boolean pending) {
        change(participant, p -> {
            Set<String> done = new HashSet<>(p.fundsTransferIds());
            Set<String> open = new HashSet<>(p.fundsOutPending());
            if (pending) {
                open.add(fundsTransferId);
            } else {
                open.remove(fundsTransferId);
                done.add(fundsTransferId);
            }
            return new Participant(p.name(), p.active(), p.createdAt(), p.accounts(), p.endpoints(), Set.copyOf(done),
                    Set.copyOf(open), p.requestsPerSecond(), p.burst());
        });
    }

    private void account(String participant, String currency, java.util.function.UnaryOperator<Account> change) {
        change(participant, p -> withAccounts(p, p.accounts().stream()
                .map(a -> a.currency().equals(currency) ? change.apply(a) : a).toList()));
    }

    private void change(String participant, java.util.function.UnaryOperator<Participant> change) {
        participants.computeIfPresent(participant, (k, p) -> change.apply(p));
    }

    private static Participant withAccounts(Participant p, List<Account> accounts) {
        return new Participant(p.name(), p.active(), p.createdAt(), accounts, p.endpoints(), p.fundsTransferIds(),
                p.fundsOutPending(), p.requestsPerSecond(), p.burst());
    }

    private static <T> List<T> append(List<T> list, T item) {
        List<T> copy = new ArrayList<>(list);
        copy.add(item);
        return List.copyOf(copy);
    }

    /** The key the participant's FSPIOP signatures verify with, or null when none is registered. */
    public java.security.PublicKey jwsKey(String participant) {
        return jwsKeys.get(participant);
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
    }
}
