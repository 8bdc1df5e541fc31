-- A journal entry is written once, read at most once (on re-activation) and deleted after its
-- grain's next snapshot. Kept in the row (compressed only when it does not fit one), an entry costs
-- one tuple instead of a row plus TOAST chunks, each with its own index entry and WAL record.
ALTER TABLE reach_journal ALTER COLUMN payload SET STORAGE MAIN;
ALTER TABLE reach_journal SET (toast_tuple_target = 8160);
