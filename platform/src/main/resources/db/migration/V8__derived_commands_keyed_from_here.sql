-- From here on every derived command a stream applies is keyed in one narrow table, a lone one as well as the
-- ones an event packs, so a command derived from an event stored after this point is looked up by one key
-- (source position, command id) instead of three: the events' causation index, the key under no position, and
-- the key under its position (docs/decisions/012). The causation index keeps only the events stored before this
-- point, for the commands derived before it, and stops taking an entry per new event.
alter table packed_commands rename to derived_commands;
alter index packed_commands_pkey rename to derived_commands_pkey;

-- The first store position written by a build that keys every derived command: a command whose source event is
-- at or after it was applied, if ever, by such a build (older processes are stopped before an upgrade).
create table derived_commands_keyed_from (position bigint not null);

do $$
declare
    first_keyed bigint;
begin
    select coalesce(max(global_position), 0) + 1 into first_keyed from events;
    insert into derived_commands_keyed_from (position) values (first_keyed);
    drop index events_derived_causation;
    -- the bound is a literal so that the lookup, which repeats it, is planned against this partial index
    execute format('create index events_derived_causation on events using hash (causation_id)'
        || ' where position(%L in causation_id) > 0 and global_position < %s', ':', first_keyed);
end
$$;
