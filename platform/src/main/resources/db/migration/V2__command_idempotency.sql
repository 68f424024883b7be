-- Commands are idempotent by id per aggregate: events record the command that caused them
-- (causation_id), and the command loop looks a batch's command ids up here before deciding. A command
-- already applied is not decided again; its stored events are published again instead.
create index events_stream_causation on events (stream_id, causation_id);
