-- A transfer's row is written when it is prepared and updated as it is reserved and ends, a poll or two later. With
-- full pages the new version of an updated row went to another page, so each update also inserted into all three
-- indexes and left entries for vacuum to clean: about a third of the read store's transfer cost. Pages are now filled
-- to half, so an update finds room on its own page (a HOT update) and touches no index. Measured with the projection's
-- own code (TransferRowsBenchmark in load-tests, docs/perf-log.md): at one update per transfer, as over HTTP, 83% of
-- updates HOT against 1%, a quarter less server CPU and WAL. The table's pages hold half the rows; its indexes, which
-- no longer take an entry per update, grow more slowly. Applies to pages written from now on.
alter table transfers set (fillfactor = 50);
