-- Text keys compare byte by byte (collation "C"). Every index lookup and insert on these keys compares text;
-- under the database's default libc collation (C.UTF-8 on the embedded cluster, often en_US.UTF-8 elsewhere)
-- each compare is a strcoll() call; a profile under load put the collation functions at about 5% of PostgreSQL's CPU.
-- The keys are identifiers, never shown sorted to a person, so byte order is the right order (and for UTF-8
-- it is code point order, which is what C.UTF-8 sorted by already). Indexes on these columns are rebuilt.
alter table events
    alter column stream_id type text collate "C",
    alter column causation_id type text collate "C";
alter table snapshots alter column stream_id type text collate "C";
alter table processor_offsets
    alter column processor type text collate "C",
    alter column topic type text collate "C";
alter table dead_letters
    alter column processor type text collate "C",
    alter column topic type text collate "C";
