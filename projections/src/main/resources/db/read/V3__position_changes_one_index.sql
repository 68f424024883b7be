-- Position history kept under one index instead of two. A change is written once per participant event, and the
-- event fixes its currency and time, so (participant, currency, changed_at, version) is as unique as
-- (participant, version) was: a redelivered event still cannot add a second row. The one index serves the history
-- query (a participant's currency over a time range, in time then version order) and the ledger audit's lookups;
-- each change now costs one index entry instead of two.
alter table position_changes drop constraint position_changes_pkey;
drop index position_changes_by_time;
alter table position_changes add primary key (participant, currency, changed_at, version);
