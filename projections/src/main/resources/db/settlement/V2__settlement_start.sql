-- When window 1 opened: when the hub's settlement records began (for a hub that predates this migration, when
-- it was applied). Window N + 1 opens when window N closes (settlement_window_closes.closed_at). Kept beside
-- the closes, outside the rebuildable read schema, so a rebuilt table set dates window 1 as the live one does.
create table settlement_start (
    only_row  boolean     primary key default true check (only_row),
    opened_at timestamptz not null default now()
);
insert into settlement_start default values;
