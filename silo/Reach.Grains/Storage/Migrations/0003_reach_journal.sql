-- Reach's append-only event journal, one sequence per grain; written with binary COPY.
CREATE TABLE reach_journal
(
    grain_key text   NOT NULL,
    seq       bigint NOT NULL,
    payload   bytea  NOT NULL,
    PRIMARY KEY (grain_key, seq)
);
