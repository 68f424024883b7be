-- An event that packs several derived commands' outcomes (one participant's transfer facts of a command batch) has
-- no single causation: each of those commands is kept here, beside the event it went into, and the command loop
-- looks a batch's derived commands up here as well as by the events' causation (docs/decisions/012).
create table packed_commands (
    command_id text collate "C" not null,
    stream_id  text collate "C" not null,
    version    bigint not null,
    primary key (command_id, stream_id)
);
