-- Derived command ids are only ever looked up by equality (has this command already been applied?), and a
-- command id names its transfer, so it nearly identifies its events on its own; the stream id is checked on
-- the few rows found. A hash index stores a 4-byte hash per entry instead of both text keys, so inserting an
-- event and looking a command up touch one small bucket page instead of descending a wide B-tree.
drop index events_stream_derived_causation;
create index events_derived_causation on events using hash (causation_id)
    where position(':' in causation_id) > 0;
