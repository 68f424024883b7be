-- Identifier keys compare byte by byte (collation "C") instead of through the database's libc collation: the
-- same order for UTF-8 as C.UTF-8 (code points), without a strcoll() call per compare in every index lookup.
-- Listings ordered by these keys (cursors of transfers by participant) keep their order under C.UTF-8 and
-- become code point order under other default collations.
alter table projection_offsets alter column topic type text collate "C";
alter table transfers
    alter column transfer_id type text collate "C",
    alter column payer_fsp type text collate "C",
    alter column payee_fsp type text collate "C";
alter table participants alter column name type text collate "C";
alter table positions
    alter column participant type text collate "C",
    alter column currency type text collate "C";
alter table position_changes
    alter column participant type text collate "C",
    alter column currency type text collate "C";
alter table funds_out_pending
    alter column participant type text collate "C",
    alter column funds_transfer_id type text collate "C";
alter table window_positions
    alter column participant type text collate "C",
    alter column currency type text collate "C";
