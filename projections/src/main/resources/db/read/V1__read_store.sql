-- The read store: tables derived from transfers.events and participants.events only, so the whole set can be
-- rebuilt from the event store into a fresh schema and swapped in. Every table is written by one projection
-- handler, in one transaction per poll together with the Kafka positions it consumed (projection_offsets).
-- Amounts are integers in the currency's minor units.

-- Where the projection resumes on each partition of each event topic.
create table projection_offsets (
    topic       text    not null,
    partition   integer not null,
    next_offset bigint  not null,
    primary key (topic, partition)
);

-- One row per prepared transfer. version is the last applied event of stream transfer-<id>: an event at or
-- below it is a redelivery and changes nothing.
create table transfers (
    transfer_id          text        primary key,
    version              bigint      not null,
    payer_fsp            text        not null,
    payee_fsp            text        not null,
    amount_minor         bigint,                 -- null when the prepare itself was rejected
    currency             text,
    -- FSPIOP transferState: RECEIVED, RESERVED, COMMITTED or ABORTED (expiry is ABORTED with error 3303)
    state                text        not null,
    error_code           integer,
    error_description    text,
    expiration           timestamptz,
    prepared_at          timestamptz not null,
    reserved_at          timestamptz,
    committed_at         timestamptz,
    aborted_at           timestamptz,
    fulfilment           text,
    settlement_window_id bigint,
    updated_at           timestamptz not null
);
-- "My transfers between t1 and t2": one index range per role, ordered like the cursor.
create index transfers_by_payer on transfers (payer_fsp, prepared_at, transfer_id);
create index transfers_by_payee on transfers (payee_fsp, prepared_at, transfer_id);

-- One row per participant; version is the last applied event of stream participant-<name>.
create table participants (
    name              text        primary key,
    version           bigint      not null,
    active            boolean     not null,
    credential_sha256 text,
    created_at        timestamptz not null,
    updated_at        timestamptz not null
);

-- Current position per participant and currency. Headroom is what a new transfer may still reserve:
-- the lower of the net debit cap and the liquidity cover less funds out in progress, less what is owed
-- and reserved.
create table positions (
    participant             text        not null,
    currency                text        not null,
    position_minor          bigint      not null,
    reserved_minor          bigint      not null,
    net_debit_cap_minor     bigint      not null,
    liquidity_cover_minor   bigint      not null,
    funds_out_pending_minor bigint      not null,
    headroom_minor          bigint generated always as (
        least(net_debit_cap_minor, liquidity_cover_minor - funds_out_pending_minor) - position_minor - reserved_minor
    ) stored,
    changed_at              timestamptz not null,
    primary key (participant, currency)
);

-- Every change of a position, for history over a time range. One row per participant event that moved it.
create table position_changes (
    participant           text        not null,
    version               bigint      not null,
    currency              text        not null,
    changed_at            timestamptz not null,
    cause                 text        not null,
    transfer_id           text,
    position_minor        bigint      not null,
    reserved_minor        bigint      not null,
    liquidity_cover_minor bigint      not null,
    primary key (participant, version)
);
create index position_changes_by_time on position_changes (participant, currency, changed_at);

-- Funds out prepared and not yet committed or aborted: they hold liquidity cover.
create table funds_out_pending (
    participant       text   not null,
    funds_transfer_id text   not null,
    currency          text   not null,
    amount_minor      bigint not null,
    primary key (participant, funds_transfer_id)
);

-- Settlement windows. Window 1 is open from the start; closing window N opens N + 1.
create table settlement_windows (
    window_id bigint      primary key,
    state     text        not null check (state in ('OPEN', 'CLOSED')),
    opened_at timestamptz,                      -- null for window 1: open since the hub's first transfer
    closed_at timestamptz,
    reason    text
);
insert into settlement_windows (window_id, state) values (1, 'OPEN');

-- Per window, each participant's net position per currency: committed as payer minus committed as payee.
create table window_positions (
    window_id      bigint not null,
    participant    text   not null,
    currency       text   not null,
    net_minor      bigint not null,
    transfer_count bigint not null,
    primary key (window_id, participant, currency)
);

-- The open window of each transfers.events partition, and the last commit applied from it. Commits are
-- ordered per partition only, so a window closes per partition at that partition's last commit.
create table partition_windows (
    partition       integer primary key,
    window_id       bigint  not null,
    last_commit_id  uuid
);
