-- The keys of derived commands grow by about three rows per transfer and are only ever read by key, like the events
-- (V6): analysed when the table has doubled, not at every tenth of new rows. Under load over HTTP at 2,000
-- transfers/s an ANALYZE of this table ran beside the events' autovacuum and a checkpoint in a second where
-- completions fell to 589 (docs/perf-log.md, "One key per derived command").
alter table derived_commands set (autovacuum_analyze_scale_factor = 1.0);
