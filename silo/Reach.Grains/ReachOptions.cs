using System.ComponentModel.DataAnnotations;

namespace Reach.Grains;

/// <summary>Settings under "Reach" in configuration.</summary>
public sealed class ReachOptions
{
    public const string Section = "Reach";
    public const string Memory = "memory";
    public const string Postgres = "postgres";

    /// <summary>
    /// "memory" (the embedded default: one silo, state lives as long as the process) or "postgres"
    /// (durable state and cluster membership in the database named by ConnectionStrings:Reach).
    /// </summary>
    [Required]
    public string Storage { get; set; } = Memory;

    /// <summary>Silos with the same cluster id form one cluster (PostgreSQL storage only).</summary>
    [Required]
    public string ClusterId { get; set; } = "reach";

    /// <summary>Names the stored data; keep it across deployments so state is found again.</summary>
    [Required]
    public string ServiceId { get; set; } = "reach";

    /// <summary>
    /// Cascades with more nodes than this refresh their metrics at most once per
    /// <see cref="MetricsRefreshInterval"/>, or ten times their last analysis's duration when longer.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int LargeCascadeNodes { get; set; } = 50_000;

    public TimeSpan MetricsRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Shards of the post directory and of the account index (default 16). A request of many
    /// events calls every shard, so fewer shards make ingest cheaper; more spread the two over
    /// more silos. A PostgreSQL store keeps the count it was created with (64 for stores created
    /// before it was recorded): unset, the store's count is used; set to another, the silo refuses
    /// to start.
    /// </summary>
    [Range(1, ShardLayout.MaxCount)]
    public int? Shards { get; set; }

    /// <summary>
    /// How long a stopping silo may take to leave the cluster and hand its grains over (snapshots
    /// of active grains included); keep the orchestrator's grace period longer.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Posts and accounts a tenant may watch at once (each gets its own series on /metrics).</summary>
    [Range(0, 100_000)]
    public int WatchListLimit { get; set; } = 1_000;

    /// <summary>Reach is counted exactly while the reached set holds at most this many accounts, then estimated by HyperLogLog (precision 14).</summary>
    [Range(1, int.MaxValue)]
    public int ExactReachLimit { get; set; } = 1_000_000;

    /// <summary>Load the bundled motivating-case sample on start.</summary>
    public bool LoadSample { get; set; }

    /// <summary>
    /// A grain writes a snapshot once its journal since the last one holds this share of that
    /// snapshot's (estimated) size, or <see cref="SnapshotMinJournalBytes"/> if more. Smaller
    /// means quicker re-activation and more snapshot writes: over a grain's life the snapshots
    /// written add up to about (1 + 1/ratio) times its final size.
    /// </summary>
    [Range(0.01, 100)]
    public double SnapshotJournalRatio { get; set; } = 1;

    /// <summary>
    /// <see cref="SnapshotJournalRatio"/> for grains whose journal replays cheaply (directory and
    /// account-index shards, accounts): fewer snapshot writes for the hot shards.
    /// </summary>
    [Range(0.01, 100)]
    public double QuickReplaySnapshotJournalRatio { get; set; } = 2;

    [Range(0, long.MaxValue)]
    public long SnapshotMinJournalBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// An API key for the tenant "default" with every scope, set by configuration (a secret in a
    /// deployment). When unset, the embedded default (in-memory storage, listening on loopback
    /// only) makes one up at start and prints it.
    /// </summary>
    public string? DevelopmentKey { get; set; }

    /// <summary>The key that may create tenants' keys (POST /v1/tenants/{tenant}/keys); it reads no tenant's data. Unset: no one may.</summary>
    public string? OperatorKey { get; set; }

    /// <summary>Requests each API key may make per <see cref="RateLimitPeriod"/>, per API process.</summary>
    [Range(1, int.MaxValue)]
    public int RateLimitPermits { get; set; } = 2_000;

    public TimeSpan RateLimitPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests a key may make at once after being idle (the token bucket's size).</summary>
    [Range(1, int.MaxValue)]
    public int RateLimitBurst { get; set; } = 4_000;

    /// <summary>Journal group commits that may be in flight at once per silo.</summary>
    [Range(1, 16)]
    public int JournalWriters { get; set; } = 2;
}

public static class ReachStorage
{
    public const string Name = "reach";
}
