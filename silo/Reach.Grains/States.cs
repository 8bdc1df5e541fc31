using Reach.Grains.Journal;

namespace Reach.Grains;

// Stored with Orleans' binary serializer: fields are matched by [Id], so a field added later reads
// as its default from older rows and a removed field is skipped. Each state records how far into
// its grain's journal it reaches; the journal holds the grain's input messages after that point.

/// <summary>
/// Stored state of a cascade: the graph's own compact binary image (flat arrays), versioned by the
/// analysis library, plus the root's tags. Journal entries: <see cref="CascadeBatch"/>.
/// </summary>
[GenerateSerializer, Alias("reach.CascadeState.v1")]
public sealed record CascadeState : IJournaledState
{
    [Id(0)] public byte[]? Graph { get; init; }
    [Id(1)] public string[]? Tags { get; init; }
    [Id(2)] public long JournalSequence { get; init; }
}

/// <summary>
/// The follower set (as the analysis library's FollowerSetImage: hashes as raw little-endian
/// columns) and post summaries. Ids 0 and 2 held followers by id before they were hashed; such
/// states are still read. Journal entries: <see cref="AccountJournalEntry"/>.
/// </summary>
[GenerateSerializer, Alias("reach.AccountState.v1")]
public sealed record AccountState : IJournaledState
{
    [Id(0)] public string[] SnapshotFollowers { get; init; } = [];
    [Id(1)] public long SnapshotAt { get; init; } = long.MinValue;
    [Id(2)] public string[] EdgeFollowers { get; init; } = [];
    [Id(3)] public long[] EdgeTimes { get; init; } = [];
    [Id(4)] public bool[] EdgeFollows { get; init; } = [];
    [Id(5)] public PostSummary[] Posts { get; init; } = [];
    [Id(6)] public long JournalSequence { get; init; }
    [Id(7)] public byte[] FollowerSnapshot { get; init; } = [];
    [Id(8)] public bool HasFollowerSnapshot { get; init; }
    [Id(9)] public byte[] PairFollowers { get; init; } = [];
    [Id(10)] public byte[] PairTimes { get; init; } = [];
    [Id(11)] public byte[] PairFollows { get; init; } = [];
}

/// <summary>One change to an account: follower events, or a new summary of one of its posts.</summary>
[GenerateSerializer, Immutable, Alias("reach.AccountJournalEntry")]
public sealed record AccountJournalEntry
{
    [Id(0)] public AccountBatch? Followers { get; init; }
    [Id(1)] public PostSummary? Post { get; init; }
}

/// <summary>Per-account columns of an index shard, aligned with <see cref="AccountIds"/>. Journal entries: <see cref="AccountIndexJournalEntry"/>.</summary>
[GenerateSerializer, Alias("reach.AccountIndexState.v1")]
public sealed record AccountIndexState : IJournaledState
{
    [Id(0)] public string[] AccountIds { get; init; } = [];
    [Id(1)] public long[] ReportedFollowers { get; init; } = [];
    [Id(2)] public long[] ProfileTimes { get; init; } = [];
    [Id(3)] public string?[] Handles { get; init; } = [];
    [Id(4)] public long[] KnownFollowers { get; init; } = [];
    [Id(5)] public int[] RepostsMade { get; init; } = [];
    [Id(6)] public ulong[] Reposts { get; init; } = [];
    [Id(7)] public long Version { get; init; }
    [Id(8)] public long JournalSequence { get; init; }
    [Id(9)] public long[] KnownSetVersions { get; init; } = [];

    // Since snapshot format 2 the ids are stored as one UTF-8 block and end offsets (an IdTable's
    // export) and AccountIds stays empty; states with AccountIds are still read.
    [Id(10)] public byte[] AccountIdsUtf8 { get; init; } = [];
    [Id(11)] public int[] AccountIdEnds { get; init; } = [];
}

/// <summary>One change to an account index shard: profiles, reposts made, or an account's known follower count.</summary>
[GenerateSerializer, Immutable, Alias("reach.AccountIndexJournalEntry")]
public sealed record AccountIndexJournalEntry
{
    [Id(0)] public ProfileBatch? Profiles { get; init; }
    [Id(1)] public string[]? RepostAccounts { get; init; }
    [Id(2)] public string[]? RepostIds { get; init; }
    [Id(3)] public string? KnownAccount { get; init; }
    [Id(4)] public long KnownFollowers { get; init; }
    [Id(5)] public long KnownSetVersion { get; init; }
}

/// <summary>Journal entries: <see cref="DirectoryBatch"/>.</summary>
[GenerateSerializer, Alias("reach.DirectoryState.v1")]
public sealed record DirectoryState : IJournaledState
{
    [Id(0)] public string[] PostIds { get; init; } = [];
    [Id(1)] public string[][] Roots { get; init; } = [];
    [Id(2)] public bool[] Final { get; init; } = [];
    [Id(3)] public PostReference[] Dependents { get; init; } = [];
    [Id(4)] public ulong[] SeenReferences { get; init; } = [];
    [Id(5)] public ulong[] Claims { get; init; } = [];
    [Id(6)] public bool[] IsReply { get; init; } = [];
    [Id(7)] public long JournalSequence { get; init; }

    // Since snapshot format 2 the post and root ids are stored as IdTable exports and each post's
    // roots as indexes (its first root, then any others as post/root pairs); PostIds and Roots stay
    // empty. States with PostIds are still read.
    [Id(8)] public byte[] PostIdsUtf8 { get; init; } = [];
    [Id(9)] public int[] PostIdEnds { get; init; } = [];
    [Id(10)] public byte[] RootIdsUtf8 { get; init; } = [];
    [Id(11)] public int[] RootIdEnds { get; init; } = [];
    [Id(12)] public int[] FirstRoots { get; init; } = [];
    [Id(13)] public int[] MoreRootPosts { get; init; } = [];
    [Id(14)] public int[] MoreRoots { get; init; } = [];
}

/// <summary>A tenant's watch list; small, written whole on every change.</summary>
[GenerateSerializer, Alias("reach.WatchListState.v1")]
public sealed record WatchListState
{
    [Id(0)] public string[] Posts { get; init; } = [];
    [Id(1)] public string[] Accounts { get; init; } = [];
}

/// <summary>A tenant's account groups and campaign rules; small, written whole on change.</summary>
[GenerateSerializer, Alias("reach.CampaignDirectoryState.v1")]
public sealed record CampaignDirectoryState
{
    [Id(0)] public Dictionary<string, string[]> Groups { get; init; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, CampaignRule> Rules { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>Journal entries: arrays of <see cref="RootPostInfo"/>.</summary>
[GenerateSerializer, Alias("reach.TagIndexState.v1")]
public sealed record TagIndexState : IJournaledState
{
    [Id(0)] public RootPostInfo[] Posts { get; init; } = [];
    [Id(1)] public long JournalSequence { get; init; }
}

/// <summary>A campaign: its definition and the root posts it holds (at most a few thousand ids).</summary>
[GenerateSerializer, Alias("reach.CampaignState.v1")]
public sealed record CampaignState
{
    [Id(0)] public CampaignDefinition? Definition { get; init; }
    [Id(1)] public string[] Posts { get; init; } = [];
}

/// <summary>One API key: its hash and grant, and when it was revoked.</summary>
[GenerateSerializer, Alias("reach.ApiKeyState.v1")]
public sealed record ApiKeyState
{
    [Id(0)] public ApiKeyRecord? Key { get; init; }
    [Id(1)] public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A tenant's key ids, or the tenants with a watch list.</summary>
[GenerateSerializer, Alias("reach.NameSetState.v1")]
public sealed record NameSetState
{
    [Id(0)] public string[] Names { get; init; } = [];
}
