-- Orleans ADO.NET clustering on PostgreSQL, written for Reach.
--
-- The Orleans providers know no table: they load their statements from OrleansQuery by key
-- ("SELECT QueryKey, QueryText FROM OrleansQuery"), bind parameters by name (@Name) and read
-- result columns by name. Everything below the query keys is ours. Result columns are quoted
-- so that they carry exactly the names the provider asks for.
--
-- Membership protocol: one version row per cluster (deployment id); every insert or update of a
-- silo row must name the version it read and bumps it, so two silos cannot both win a change.
-- Statuses are Orleans' SiloStatus: 3 Active, 5 ShuttingDown, 6 Dead.

CREATE TABLE OrleansQuery
(
    QueryKey  text PRIMARY KEY,
    QueryText text NOT NULL
);

CREATE TABLE orleans_membership_version
(
    deployment_id text PRIMARY KEY,
    version       integer NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orleans_membership
(
    deployment_id   text NOT NULL REFERENCES orleans_membership_version ON DELETE CASCADE,
    address         text NOT NULL,
    port            integer NOT NULL,
    generation      integer NOT NULL,
    silo_name       text NOT NULL,
    host_name       text NOT NULL,
    status          integer NOT NULL,
    proxy_port      integer NOT NULL,
    suspect_times   text,            -- "silo,time|silo,time" as the provider formats it
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Creates the cluster's version row; answers whether this call created it.
('InsertMembershipVersionKey', $sql$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM created)
$sql$),

-- Adds a silo row if the cluster is still at @Version and the row is new; then bumps the version.
-- The version row is locked first, so a concurrent change either commits before (and @Version no
-- longer matches) or waits for this one.
('InsertMembershipKey', $sql$
WITH expected AS (
    SELECT deployment_id FROM orleans_membership_version
    WHERE deployment_id = @DeploymentId AND version = @Version
    FOR UPDATE),
added AS (
    INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name,
                                    status, proxy_port, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM expected
    ON CONFLICT DO NOTHING
    RETURNING deployment_id),
bumped AS (
    UPDATE orleans_membership_version v SET version = v.version + 1, changed_at = now()
    FROM added WHERE v.deployment_id = added.deployment_id
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM bumped)
$sql$),

-- Changes a silo's status and suspicions if the cluster is still at @Version; then bumps it.
('UpdateMembershipKey', $sql$
WITH expected AS (
    SELECT deployment_id FROM orleans_membership_version
    WHERE deployment_id = @DeploymentId AND version = @Version
    FOR UPDATE),
changed AS (
    UPDATE orleans_membership m
    SET status = @Status,
        suspect_times = @SuspectTimes,
        i_am_alive_time = GREATEST(m.i_am_alive_time, @IAmAliveTime)
    FROM expected
    WHERE m.deployment_id = expected.deployment_id
      AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING m.deployment_id),
bumped AS (
    UPDATE orleans_membership_version v SET version = v.version + 1, changed_at = now()
    FROM changed WHERE v.deployment_id = changed.deployment_id
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM bumped)
$sql$),

-- Heartbeat: not versioned, never moves backwards.
('UpdateIAmAlivetimeKey', $sql$
UPDATE orleans_membership
SET i_am_alive_time = GREATEST(i_am_alive_time, @IAmAliveTime)
WHERE deployment_id = @DeploymentId
  AND address = @Address AND port = @Port AND generation = @Generation
$sql$),

-- One silo: always one row carrying the version (silo columns NULL when the silo is unknown).
('MembershipReadRowKey', $sql$
SELECT v.version AS "Version",
       m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status",
       m.proxy_port AS "ProxyPort", m.suspect_times AS "SuspectTimes",
       m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deployment_id = v.deployment_id
      AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId
$sql$),

-- The whole cluster, same shape: at least one row, every row carrying the version.
('MembershipReadAllKey', $sql$
SELECT v.version AS "Version",
       m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status",
       m.proxy_port AS "ProxyPort", m.suspect_times AS "SuspectTimes",
       m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
$sql$),

-- Gateways that clients may connect to (@Status is Active).
('GatewaysQueryKey', $sql$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$sql$),

-- Forgets a whole cluster (its silo rows go with the version row).
('DeleteMembershipTableEntriesKey', $sql$
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
$sql$),

-- Removes dead silos not heard of since @IAmAliveTime. The provider uses this only when the
-- single-row key below is missing; kept for completeness and never touches live or suspected rows.
('CleanupDefunctSiloEntriesKey', $sql$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId AND status = 6
  AND i_am_alive_time < @IAmAliveTime AND start_time < @IAmAliveTime
  AND COALESCE(suspect_times, '') = ''
$sql$),

-- Removes one dead silo row the provider chose from a read, only if it is still exactly as read.
('CleanupDefunctSiloEntryKey', $sql$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId
  AND address = @Address AND port = @Port AND generation = @Generation
  AND status = 6
  AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
  AND COALESCE(suspect_times, '') = COALESCE(@SuspectTimes, '')
$sql$);
