-- Timer keys compare byte by byte, like the event store's stream ids (see the event store's V4).
alter table transfer_timers alter column transfer_id type text collate "C";
