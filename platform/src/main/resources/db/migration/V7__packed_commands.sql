-- An event that packs several derived commands' outcomes (one participant's transfer facts of a command batch) has
-- no single causation: each of those commands is kept here, beside the event it went into, and the command loop
-- looks a batch's derived commands up here as well as by the events' causation (docs/decisions/012). The key leads
-- with the store position of the event the command was derived from, which grows with the event store, so new
-- rows land at the index's right edge instead of on random pages; -1 where the command's record named none.
create table packed_commands (
    source_position bigint not null,
    command_id      text collate "C" not null,
    stream_id       text collate "C" not null,
    version         bigint not null,
    primary key (source_position, command_id)
);
