-- Orleans ADO.NET grain storage on PostgreSQL, written for Reach.
--
-- One row per grain state: the grain's natural key (service, grain type, the two 64-bit key halves
-- and the string key or key extension, '' when there is none), the serialized state and its
-- version. The provider's hash parameters (@GrainIdHash, @GrainTypeHash) are not needed: the
-- primary key is the natural key. The version is the ETag: a write or clear must name the version
-- it read (NULL: "there is no row yet") and answers the new one, or NULL when the row moved on,
-- which the provider reports as InconsistentStateException.

CREATE TABLE orleans_grain_state
(
    service_id         text    NOT NULL,
    grain_type         text    NOT NULL,
    grain_id_n0        bigint  NOT NULL,
    grain_id_n1        bigint  NOT NULL,
    grain_id_extension text    NOT NULL,
    payload            bytea,              -- NULL once cleared
    version            integer NOT NULL,
    changed_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('ReadFromStorageKey', $sql$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_grain_state
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = COALESCE(@GrainIdExtensionString, '')
$sql$),

-- Insert when the grain holds no version, otherwise update that exact version.
('WriteToStorageKey', $sql$
WITH inserted AS (
    INSERT INTO orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1,
                                     grain_id_extension, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
           COALESCE(@GrainIdExtensionString, ''), @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version),
updated AS (
    UPDATE orleans_grain_state
    SET payload = @PayloadBinary, version = version + 1, changed_at = now()
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version)
SELECT (SELECT version FROM inserted UNION ALL SELECT version FROM updated) AS "NewGrainStateVersion"
$sql$),

-- Clearing keeps the row (payload NULL) so that the version keeps counting.
('ClearStorageKey', $sql$
WITH inserted AS (
    INSERT INTO orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1,
                                     grain_id_extension, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
           COALESCE(@GrainIdExtensionString, ''), NULL, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version),
updated AS (
    UPDATE orleans_grain_state
    SET payload = NULL, version = version + 1, changed_at = now()
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version)
SELECT (SELECT version FROM inserted UNION ALL SELECT version FROM updated) AS "NewGrainStateVersion"
$sql$),

-- Used instead of ClearStorageKey when DeleteStateOnClear is set: the row goes.
('DeleteStorageKey', $sql$
WITH deleted AS (
    DELETE FROM orleans_grain_state
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version)
SELECT (SELECT version + 1 FROM deleted) AS "NewGrainStateVersion"
$sql$);
