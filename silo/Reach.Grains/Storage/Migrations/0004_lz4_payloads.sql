-- Journal entries and snapshots are dense binary written once and read rarely: lz4 compresses
-- them at a fraction of the CPU of PostgreSQL's default (pglz), which matters on the ingest path.
ALTER TABLE reach_journal ALTER COLUMN payload SET COMPRESSION lz4;
ALTER TABLE orleans_grain_state ALTER COLUMN payload SET COMPRESSION lz4;
