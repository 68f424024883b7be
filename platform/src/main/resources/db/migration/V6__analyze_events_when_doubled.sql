-- Autovacuum analyses a table when a tenth of it is new since the last time. The event store only grows and is only
-- ever read by key (stream and version, command id, global position), whose plans no statistic changes once the
-- table has some; yet each ANALYZE reads 30,000 rows from pages all over it. Under load at 2,500 transfers/s a new
-- store was analysed five times in 46 s, 16 us of CPU per transfer, and on a large store each pass is some 240 MB of
-- random reads queued ahead of the commits' WAL fsync (the stalls in docs/perf-log.md). Analysed when it has doubled
-- instead: the first analysis still comes at 50 rows, then at 100, 200, ... a few dozen times over its life.
alter table events set (autovacuum_analyze_scale_factor = 1.0);
