-- Expiry timers of live transfers, written in the same transaction as the transfer's events: a row
-- appears with the accepted prepare and goes with the terminal event. The scheduler reads only the
-- due end of the index, never the whole table.
create table transfer_timers (
    transfer_id text        primary key,
    expires_at  timestamptz not null,
    fired_at    timestamptz
);
create index transfer_timers_due on transfer_timers (expires_at);
