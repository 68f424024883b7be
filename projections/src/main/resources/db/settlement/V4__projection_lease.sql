-- Which projection instance writes the live read store. The holder keeps it by renewing it; another instance may
-- take it once it has not been renewed for its term, and each take raises the epoch. Every transaction that writes
-- the read store first renews the lease at its epoch, so an instance that lost it (paused, cut off) can no longer
-- write: fencing. Times are the database's, so the instances' clocks do not matter.
create table projection_lease (
    name       text        primary key,
    epoch      bigint      not null,
    holder     text        not null,
    renewed_at timestamptz not null
);
