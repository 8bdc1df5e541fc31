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
    [Id(0)] public long? ReportedFollowers { get; init; }
    [Id(1)] public string? Handle { get; init; }
    [Id(2)] public long ProfileAt { get; init; } = long.MinValue;
    [Id(3)] public string[] SnapshotFollowers { get; init; } = [];
    [Id(4)] public long SnapshotAt { get; init; } = long.MinValue;
    [Id(5)] public string[] EdgeFollowers { get; init; } = [];
    [Id(6)] public long[] EdgeTimes { get; init; } = [];
    [Id(7)] public bool[] EdgeFollows { get; init; } = [];
    [Id(8)] public PostSummary[] Posts { get; init; } = [];
}

[GenerateSerializer, Alias("reach.AccountIndexState.v1")]
public sealed record AccountIndexState
{
    [Id(0)] public string[] FollowerAccounts { get; init; } = [];
    [Id(1)] public long[] FollowerCounts { get; init; } = [];
    [Id(2)] public ulong[] Reposts { get; init; } = [];
    [Id(3)] public string[] RepostAccounts { get; init; } = [];
    [Id(4)] public int[] RepostCounts { get; init; } = [];
    [Id(5)] public long Version { get; init; }
}

[GenerateSerializer, Alias("reach.DirectoryState.v1")]
public sealed record DirectoryState
{
    [Id(0)] public string[] PostIds { get; init; } = [];
    [Id(1)] public string[][] Roots { get; init; } = [];
    [Id(2)] public bool[] Final { get; init; } = [];
    [Id(3)] public PostReference[] Dependents { get; init; } = [];
    [Id(4)] public ulong[] SeenReferences { get; init; } = [];
}
