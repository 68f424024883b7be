-- Position history in runs: one row per participant, currency and projection batch, holding that batch's changes in
-- version order as parallel arrays, instead of a row and an index entry per change. A transfer moves three
-- positions, so the history took three rows a transfer; a batch of a few hundred events now writes one row per
-- participant and currency it touched. A run spans at most one minute of changed_at (to_at - from_at): a batch
-- replaying a quiet participant's months is cut into several runs, and a query for [from, to) only has to look at
-- runs with from_at in [from - 1 minute, to]. The runs of a participant's currency hold disjoint, increasing version
-- ranges (events are applied in version order), so first_version orders them and pages of history follow it. A
-- redelivered event still adds nothing: the projection applies an event only above the version its participant's row
-- last applied, in the same transaction as the run.
create table position_change_runs (
    participant   text collate "C" not null,
    currency      text collate "C" not null,
    from_at       timestamptz not null,   -- the earliest changed_at in the run
    to_at         timestamptz not null,   -- the latest
    first_version bigint      not null,
    versions      bigint[]    not null,
    changed_at    timestamptz[] not null,
    causes        text[]      not null,
    transfer_ids  text[]      not null,   -- null elements for changes no transfer caused
    positions     bigint[]    not null,
    reserved      bigint[]    not null,
    covers        bigint[]    not null,
    primary key (participant, currency, first_version),
    check (to_at >= from_at and to_at - from_at <= interval '1 minute'),
    check (cardinality(versions) > 0 and cardinality(changed_at) = cardinality(versions)
        and cardinality(causes) = cardinality(versions) and cardinality(transfer_ids) = cardinality(versions)
        and cardinality(positions) = cardinality(versions) and cardinality(reserved) = cardinality(versions)
        and cardinality(covers) = cardinality(versions))
);
create index position_change_runs_by_time on position_change_runs (participant, currency, from_at);
-- A run of a few hundred changes is tens of kB, so PostgreSQL moves its arrays out of line (TOAST). By default it
-- first tries to compress them, which is most of an insert's time and gains nothing on transfer ids and amounts:
-- in pgbench, one run of 210 changes took 2.4-2.8 ms with compression, 0.62-0.67 ms stored as they are, and the same
-- changes as 210 rows 1.4-1.5 ms.
alter table position_change_runs
    alter column versions set storage external,
    alter column changed_at set storage external,
    alter column causes set storage external,
    alter column transfer_ids set storage external,
    alter column positions set storage external,
    alter column reserved set storage external,
    alter column covers set storage external;
-- No planner statistics on the arrays: no query filters on their elements, and ANALYZE would read every sampled
-- run's arrays back from TOAST. Under load at 2,500/s, with the table's first rows, autovacuum analysed it every
-- ten seconds at 0.3-0.4 s of CPU each (compute_array_stats, detoasting) before this.
alter table position_change_runs
    alter column versions set statistics 0,
    alter column changed_at set statistics 0,
    alter column causes set statistics 0,
    alter column transfer_ids set statistics 0,
    alter column positions set statistics 0,
    alter column reserved set statistics 0,
    alter column covers set statistics 0;

-- the history kept so far, a run of one change per row
insert into position_change_runs (participant, currency, from_at, to_at, first_version, versions, changed_at, causes,
                                  transfer_ids, positions, reserved, covers)
select participant, currency, changed_at, changed_at, version, array[version], array[changed_at], array[cause],
       array[transfer_id], array[position_minor], array[reserved_minor], array[liquidity_cover_minor]
from position_changes;
drop table position_changes;

-- One row per change, as the table was: for reading by hand and for comparing two table sets (a rebuild cuts its
-- batches, so its runs, differently from the live projection; the changes are the same). A query over a time range
-- reads position_change_runs with the run bound above instead: this view cannot narrow the runs by time.
create view position_changes as
select r.participant, c.version, r.currency, c.changed_at, c.cause, c.transfer_id, c.position_minor, c.reserved_minor,
       c.liquidity_cover_minor
from position_change_runs r
cross join lateral unnest(r.versions, r.changed_at, r.causes, r.transfer_ids, r.positions, r.reserved, r.covers)
    as c(version, changed_at, cause, transfer_id, position_minor, reserved_minor, liquidity_cover_minor);
