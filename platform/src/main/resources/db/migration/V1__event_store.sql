-- The event store: the system of record of every command-side context.
-- Payloads are the exact Confluent-framed Avro bytes that go on Kafka (magic 0, schema id, body).

create table events (
    global_position bigint generated always as identity primary key,
    stream_id       text        not null,
    version         bigint      not null check (version > 0),
    event_type      text        not null,
    schema_id       integer     not null,
    payload         bytea       not null,
    event_id        uuid        not null,
    correlation_id  text        not null,
    causation_id    text,
    recorded_at     timestamptz not null,
    -- Optimistic concurrency: a second writer of the same version fails here, never overwrites.
    constraint events_stream_version unique (stream_id, version)
);

-- Latest snapshot per stream; it records the stream version it covers.
create table snapshots (
    stream_id text        primary key,
    version   bigint      not null check (version > 0),
    state     bytea       not null,
    taken_at  timestamptz not null
);

-- Where each command processor resumes, per input partition, committed in the same transaction as the
-- events the consumed commands produced. unpublished_positions lists the events of batches whose Kafka
-- publication was not yet acknowledged when this row was written; they are republished on assignment.
create table processor_offsets (
    processor             text     not null,
    topic                 text     not null,
    partition             integer  not null,
    next_offset           bigint   not null,
    unpublished_positions bigint[] not null default '{}',
    updated_at            timestamptz not null default now(),
    primary key (processor, topic, partition)
);

-- Records a processor could not decode or decide, kept beside the dead-letter topic for operators.
create table dead_letters (
    id          bigint generated always as identity primary key,
    processor   text        not null,
    topic       text        not null,
    partition   integer     not null,
    "offset"    bigint      not null,
    record_key  text,
    payload     bytea,
    reason      text        not null,
    recorded_at timestamptz not null default now(),
    unique (processor, topic, partition, "offset")
);
