-- Only commands derived from events have ids that can repeat (<kind>:<key>, e.g. reserve:<transferId>);
-- client commands carry unique ids and are de-duplicated by their own domain rules. Indexing just the
-- derived ones keeps the index off the insert path of every other event.
drop index events_stream_causation;
create index events_stream_derived_causation on events (stream_id, causation_id)
    where position(':' in causation_id) > 0;
