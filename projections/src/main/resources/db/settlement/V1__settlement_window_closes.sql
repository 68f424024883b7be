-- Operators' decisions to close settlement windows: the one input of the read side that is not an event of
-- the command side, so it lives outside the rebuildable read schema and a rebuild reads it back.
-- boundary_commit_ids[p + 1] is the id of the last TransferCommitted event of transfers.events partition p
-- that fell into the window (null: none did); every later commit of that partition falls into a later one.
create table settlement_window_closes (
    window_id           bigint      primary key,
    reason              text        not null,
    closed_at           timestamptz not null,
    boundary_commit_ids uuid[]      not null
);

-- Close requests from the admin API, possibly in another process. The projection handler takes them between
-- batches, so a close falls between two commits of every partition, never inside a batch.
create table settlement_window_close_requests (
    window_id    bigint      primary key,
    reason       text        not null,
    requested_at timestamptz not null default now()
);
