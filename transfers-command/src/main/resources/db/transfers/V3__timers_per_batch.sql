-- Expiry timers per command batch instead of per transfer. A batch that accepts prepares writes one row holding
-- their ids and expirations, in the batch's transaction; terminal events write nothing. The scheduler looks at a
-- row when it is due, asks the event store which of its due transfers have ended, expires the others, and keeps
-- the row (due again later) until every transfer in it has ended. Per transfer that is no timer row written and
-- none deleted, where the table before took an insert, a delete and four index entries.
create table transfer_timer_batches (
    id           bigint generated always as identity primary key,
    -- when the scheduler next looks at the row: its earliest pending expiration, or a claim's refire time
    due_at       timestamptz not null,
    transfer_ids text[]      not null,
    expirations  timestamptz[] not null,
    check (cardinality(transfer_ids) = cardinality(expirations) and cardinality(transfer_ids) > 0)
);
create index transfer_timer_batches_due on transfer_timer_batches (due_at);

-- the live timers of a hub upgraded in place, one row each (a timer already fired is due again at once: the
-- scheduler finds it ended, or expires it again, which the decider treats as a duplicate)
insert into transfer_timer_batches (due_at, transfer_ids, expirations)
select expires_at, array[transfer_id], array[expires_at] from transfer_timers;
drop table transfer_timers;
