-- How each journal entry is encoded: 0 for Orleans' serializer (every entry written before this
-- column), otherwise the number of the entry type's compact encoding. Adding a column with a
-- constant default rewrites no rows.
ALTER TABLE reach_journal ADD COLUMN format smallint NOT NULL DEFAULT 0;
