-- The shard count of the post directory and the account index is part of the storage layout:
-- every id is found in the shard its hash names. One row, written by the first silo to start
-- (Reach:Shards, or the default) and kept for the life of the store.
CREATE TABLE reach_layout
(
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    shards    integer NOT NULL CHECK (shards BETWEEN 1 AND 1024)
);

-- Stores that hold data from before the count was recorded were written with 64 shards.
INSERT INTO reach_layout (shards)
SELECT 64
WHERE EXISTS (SELECT 1 FROM orleans_grain_state) OR EXISTS (SELECT 1 FROM reach_journal);
