-- When the close of a window was acknowledged on settlement.events. Null: not yet (the projection handler publishes
-- it after the close commits, and again after a restart until the broker acknowledges it).
alter table settlement_window_closes add column published_at timestamptz;
