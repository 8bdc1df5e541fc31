namespace Reach.Grains;

/// <summary>
/// Stored state of a cascade: the graph's own compact binary image (flat arrays), versioned by the
/// analysis library, plus the root's tags.
/// </summary>
[GenerateSerializer, Alias("reach.CascadeState.v1")]
public sealed record CascadeState
{
    [Id(0)] public byte[]? Graph { get; init; }
    [Id(1)] public string[]? Tags { get; init; }
}

[GenerateSerializer, Alias("reach.AccountState.v1")]
public sealed record AccountState
{
    [Id(0)] public string[] SnapshotFollowers { get; init; } = [];
    [Id(1)] public long SnapshotAt { get; init; } = long.MinValue;
    [Id(2)] public string[] EdgeFollowers { get; init; } = [];
    [Id(3)] public long[] EdgeTimes { get; init; } = [];
    [Id(4)] public bool[] EdgeFollows { get; init; } = [];
    [Id(5)] public PostSummary[] Posts { get; init; } = [];
}

/// <summary>Per-account columns of an index shard, aligned with <see cref="AccountIds"/>.</summary>
[GenerateSerializer, Alias("reach.AccountIndexState.v1")]
public sealed record AccountIndexState
{
    [Id(0)] public string[] AccountIds { get; init; } = [];
    [Id(1)] public long[] ReportedFollowers { get; init; } = [];
    [Id(2)] public long[] ProfileTimes { get; init; } = [];
    [Id(3)] public string?[] Handles { get; init; } = [];
    [Id(4)] public long[] KnownFollowers { get; init; } = [];
    [Id(5)] public int[] RepostsMade { get; init; } = [];
    [Id(6)] public ulong[] Reposts { get; init; } = [];
    [Id(7)] public long Version { get; init; }
}

[GenerateSerializer, Alias("reach.DirectoryState.v1")]
public sealed record DirectoryState
{
    [Id(0)] public string[] PostIds { get; init; } = [];
    [Id(1)] public string[][] Roots { get; init; } = [];
    [Id(2)] public bool[] Final { get; init; } = [];
    [Id(3)] public PostReference[] Dependents { get; init; } = [];
    [Id(4)] public ulong[] SeenReferences { get; init; } = [];
    [Id(5)] public ulong[] Claims { get; init; } = [];
    [Id(6)] public bool[] IsReply { get; init; } = [];
}
