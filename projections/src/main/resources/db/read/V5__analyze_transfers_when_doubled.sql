-- The read store's transfers are read by id and listed by (payer or payee, prepared at) through their indexes, plans
-- that statistics refreshed at every tenth of new rows do not change. Under load at 2,500 transfers/s, autovacuum
-- analysed the table five times in 46 s, about 9 us of CPU per transfer. Analysed when it has doubled instead. (It is
-- still vacuumed as often as before: its rows are updated, and those dead versions must go.)
alter table transfers set (autovacuum_analyze_scale_factor = 1.0);
