namespace Reach.Grains;

/// <summary>The root event of a cascade: an original post, or a quote for the quote's own cascade.</summary>
[GenerateSerializer, Immutable, Alias("reach.RootEvent")]
public sealed record RootEvent(
    [property: Id(0)] string AccountId,
    [property: Id(1)] long At,
    [property: Id(2)] bool IsQuote,
    [property: Id(3)] string[]? Tags);

/// <summary>
/// Everything a batch holds for one cascade, as parallel arrays: nodes (reposts and quotes), likes,
/// replies and impression reports. Sent once per cascade per batch.
/// </summary>
[GenerateSerializer, Immutable, Alias("reach.CascadeBatch")]
public sealed record CascadeBatch
{
    /// <summary>Root events for this cascade (normally none or one; a batch may repeat one).</summary>
    [Id(0)] public RootEvent[] Roots { get; init; } = [];
    [Id(1)] public string[] NodeIds { get; init; } = [];
    [Id(2)] public string[] NodeAccounts { get; init; } = [];
    [Id(3)] public string?[] NodeParents { get; init; } = [];
    [Id(4)] public long[] NodeTimes { get; init; } = [];
    [Id(5)] public bool[] NodeIsQuote { get; init; } = [];
    [Id(6)] public string[] LikeAccounts { get; init; } = [];
    [Id(7)] public string[] LikePosts { get; init; } = [];
    [Id(8)] public string[] ReplyIds { get; init; } = [];
    [Id(9)] public long[] ImpressionCounts { get; init; } = [];
    [Id(10)] public long[] ImpressionTimes { get; init; } = [];
}

public enum ItemOutcome : byte
{
    Accepted,
    Duplicate,
    Conflict,
    Cycle,
}

[GenerateSerializer, Immutable, Alias("reach.CascadeBatchResult")]
public sealed record CascadeBatchResult(
    [property: Id(0)] ItemOutcome[] Roots,
    [property: Id(1)] ItemOutcome[] Nodes,
    [property: Id(2)] string?[] Reasons,
    [property: Id(3)] string?[] RootReasons,
    [property: Id(4)] ItemOutcome[] Impressions,
    [property: Id(5)] JournalTicket? Commit = null);

/// <summary>
/// A change a grain has applied and is still committing: the caller passes it back to the grain's
/// WhenCommittedAsync before acknowledging anything. Names the activation that took the change,
/// since a later activation does not have what an earlier one failed to commit.
/// </summary>
[GenerateSerializer, Immutable, Alias("reach.JournalTicket")]
public sealed record JournalTicket(
    [property: Id(0)] Guid Activation,
    [property: Id(1)] long Sequence);

/// <summary>A change could not be committed, or the grain that took it restarted first; the request that made it may be re-sent whole.</summary>
[GenerateSerializer, Alias("reach.ChangeNotCommittedException")]
public sealed class ChangeNotCommittedException : Exception
{
    public ChangeNotCommittedException()
    {
    }

    public ChangeNotCommittedException(string grain)
        : base($"A change to {grain} was not committed.")
    {
    }

    public ChangeNotCommittedException(string grain, Exception innerException)
        : base($"A change to {grain} was not committed: {innerException.Message}", innerException)
    {
    }
}

public enum ReadStatus : byte
{
    Ready,

    /// <summary>Events arrived for this post but not the post itself.</summary>
    Waiting,
    Unknown,

    /// <summary>The request cannot be answered as asked; see the problem text.</summary>
    Invalid,
}

/// <summary>
/// A read answered as ready-made JSON (UTF-8), or why it cannot be answered; <see cref="Silo"/>
/// names the silo that answered, for operators following a grain around a cluster.
/// </summary>
[GenerateSerializer, Immutable, Alias("reach.JsonRead")]
public sealed record JsonRead(
    [property: Id(0)] ReadStatus Status,
    [property: Id(1)] byte[]? Json,
    [property: Id(2)] long WaitingEvents,
    [property: Id(3)] string? Problem = null,
    [property: Id(4)] string? Silo = null);

/// <summary>The cascade as per-node arrays (node 0 is the root), for the exports.</summary>
[GenerateSerializer, Immutable, Alias("reach.CascadeArrays")]
public sealed record CascadeArrays(
    [property: Id(0)] string RootPostId,
    [property: Id(1)] string[] PostIds,
    [property: Id(2)] string[] AccountIds,
    [property: Id(3)] int[] Parents,
    [property: Id(4)] long[] Times,
    [property: Id(5)] byte[] Kinds,
    [property: Id(6)] byte[] Attributions);

/// <summary>What an author's account keeps of each of its posts.</summary>
[GenerateSerializer, Immutable, Alias("reach.PostSummary")]
public sealed record PostSummary(
    [property: Id(0)] string PostId,
    [property: Id(1)] int Reposts,
    [property: Id(2)] double? StructuralVirality,
    [property: Id(3)] long Version,
    [property: Id(4)] long PostedAt = 0);

/// <summary>
/// Follower-graph events for one account: who follows it. Followers travel as 64-bit hashes of
/// their ids (IdHash), the form in which follower sets are kept.
/// </summary>
[GenerateSerializer, Immutable, Alias("reach.AccountBatch")]
public sealed record AccountBatch
{
    /// <summary>Followers by id: the form of journal entries written before followers were hashed; read, no longer written.</summary>
    [Id(0)] public string[] EdgeFollowers { get; init; } = [];

    /// <summary>follow (true) / unfollow (false) events naming this account as the followed one.</summary>
    [Id(5)] public ulong[] EdgeFollowerHashes { get; init; } = [];
    [Id(1)] public bool[] EdgeFollows { get; init; } = [];
    [Id(2)] public long[] EdgeTimes { get; init; } = [];

    /// <summary>Follower lists by id, as written before followers were hashed; read, no longer written.</summary>
    [Id(3)] public string[][] Snapshots { get; init; } = [];

    /// <summary>Whole follower lists of this account: sorted follower hashes as little-endian bytes.</summary>
    [Id(6)] public byte[][] SnapshotHashes { get; init; } = [];
    [Id(4)] public long[] SnapshotTimes { get; init; } = [];
}

/// <summary>What a cascade asks of one participant's follower set.</summary>
[GenerateSerializer, Immutable, Alias("reach.AudienceQuery")]
public sealed record AudienceQuery(
    [property: Id(0)] ulong[] Candidates,
    [property: Id(1)] bool WantMembers,
    [property: Id(2)] bool WantSketch);

/// <summary>
/// One account's follower set as a cascade needs it: its size and version, the members or the
/// HyperLogLog sketch when asked for, and which of the query's candidates follow the account.
/// Arrays are shared with the account grain and must not be changed.
/// </summary>
[GenerateSerializer, Immutable, Alias("reach.AudienceSlice")]
public sealed record AudienceSlice(
    [property: Id(0)] bool Known,
    [property: Id(1)] long Size,
    [property: Id(2)] long SetVersion,
    [property: Id(3)] ulong[]? Members,
    [property: Id(4)] byte[]? Sketch,
    [property: Id(5)] int[] CandidateIndexes);

[GenerateSerializer, Immutable, Alias("reach.AccountBatchResult")]
public sealed record AccountBatchResult(
    [property: Id(0)] ItemOutcome[] Edges,
    [property: Id(1)] ItemOutcome[] Snapshots);

/// <summary>What an account grain knows: its follower set's size and its posts.</summary>
[GenerateSerializer, Immutable, Alias("reach.AccountView")]
public sealed record AccountView(
    [property: Id(0)] long KnownFollowers,
    [property: Id(1)] bool FollowersKnown,
    [property: Id(2)] PostSummary[] Posts);

/// <summary>Profile snapshots (account events) of many accounts of one index shard.</summary>
[GenerateSerializer, Immutable, Alias("reach.ProfileBatch")]
public sealed record ProfileBatch
{
    [Id(0)] public string[] AccountIds { get; init; } = [];
    [Id(1)] public long[] Followers { get; init; } = [];
    [Id(2)] public string?[] Handles { get; init; } = [];
    [Id(3)] public long[] Times { get; init; } = [];
}

/// <summary>What an account index shard knows of one account.</summary>
[GenerateSerializer, Immutable, Alias("reach.AccountProfile")]
public sealed record AccountProfile(
    [property: Id(0)] string? Handle,
    [property: Id(1)] long? ReportedFollowers,
    [property: Id(2)] long? KnownFollowers,
    [property: Id(3)] int RepostsMade)
{
    /// <summary>f(u): the latest reported count, else the size of the known follower set.</summary>
    public long? Followers => ReportedFollowers ?? KnownFollowers;
}

/// <summary>
/// A point in an account-index shard's history: the activation that answered (a new activation
/// may have lost what an earlier one had not stored) and the number of changes it had made.
/// </summary>
[GenerateSerializer, Immutable, Alias("reach.AccountIndexCursor")]
public readonly record struct AccountIndexCursor(
    [property: Id(0)] long Activation,
    [property: Id(1)] long Version);

/// <summary>
/// For a list of accounts, then for <see cref="ChangedAccountIds"/>: follower counts f(u), sizes
/// of the known follower sets |F(u)| and the sets' versions; -1 where unknown.
/// </summary>
/// <param name="At">Where the shard stood when it answered.</param>
/// <param name="ChangedAccountIds">
/// The accounts whose counts changed after the cursor asked about, their figures following those
/// of the accounts asked for; null when no cursor was given or the shard cannot list them (the
/// cursor is from another activation, older than the changes it keeps, or more changed than asked).
/// </param>
[GenerateSerializer, Immutable, Alias("reach.FollowerCounts")]
public sealed record FollowerCounts(
    [property: Id(0)] AccountIndexCursor At,
    [property: Id(1)] long[] Counts,
    [property: Id(2)] long[] SetSizes,
    [property: Id(3)] long[] SetVersions,
    [property: Id(4)] string[]? ChangedAccountIds);

public enum ReferenceKind : byte
{
    Like,
    Reply,
    Quote,
}

/// <summary>
/// Something that belongs to whichever cascades its target post belongs to: a like (counted), a
/// reply (counted) or a quote (a node under the quoted post).
/// </summary>
[GenerateSerializer, Immutable, Alias("reach.PostReference")]
public sealed record PostReference(
    [property: Id(0)] ReferenceKind Kind,
    [property: Id(1)] string TargetId,
    [property: Id(2)] string SourceId,
    [property: Id(3)] string AccountId,
    [property: Id(4)] long At);

/// <summary>One round of work for a directory shard.</summary>
[GenerateSerializer, Immutable, Alias("reach.DirectoryBatch")]
public sealed record DirectoryBatch
{
    /// <summary>
    /// Claims, processed first: post ClaimIds[i] is claimed by an event with fingerprint
    /// ClaimFingerprints[i] (a hash of the fields that define it). The first claim of an id wins;
    /// the same fingerprint again is a duplicate, another one a conflict. Catches an id reused
    /// across cascades, which no single cascade can see. An accepted claim with a ClaimRoots[i]
    /// also defines the post in that cascade.
    /// </summary>
    [Id(4)] public string[] ClaimIds { get; init; } = [];
    [Id(5)] public ulong[] ClaimFingerprints { get; init; } = [];
    [Id(6)] public string?[] ClaimRoots { get; init; } = [];
    [Id(7)] public bool[] ClaimFinal { get; init; } = [];

    /// <summary>The claim is a reply's: counted where its parent is, but not a node, so its likes are not the cascade's.</summary>
    [Id(8)] public bool[] ClaimIsReply { get; init; } = [];

    /// <summary>Post DefineIds[i] belongs to the cascade of DefineRoots[i].</summary>
    [Id(0)] public string[] DefineIds { get; init; } = [];
    [Id(1)] public string[] DefineRoots { get; init; } = [];

    /// <summary>True for posts and reposts, whose cascades are all known once defined; false for replies and quotes, whose set can grow.</summary>
    [Id(2)] public bool[] DefineFinal { get; init; } = [];
    [Id(3)] public PostReference[] References { get; init; } = [];
}

[GenerateSerializer, Immutable, Alias("reach.Delivery")]
public sealed record Delivery(
    [property: Id(0)] PostReference Reference,
    [property: Id(1)] string RootPostId);

[GenerateSerializer, Immutable, Alias("reach.DirectoryResult")]
public sealed record DirectoryResult(
    [property: Id(0)] Delivery[] Deliveries,
    [property: Id(1)] bool[] ReferenceIsNew,
    [property: Id(2)] bool[] ClaimConflicts,
    [property: Id(3)] JournalTicket? Commit = null);

[GenerateSerializer, Immutable, Alias("reach.WatchList")]
public sealed record WatchList(
    [property: Id(0)] string[] Posts,
    [property: Id(1)] string[] Accounts,
    [property: Id(2)] int Limit);

/// <summary>A root post as campaign rules see it.</summary>
[GenerateSerializer, Immutable, Alias("reach.RootPostInfo")]
public sealed record RootPostInfo(
    [property: Id(0)] string PostId,
    [property: Id(1)] string AuthorId,
    [property: Id(2)] long At,
    [property: Id(3)] string[] Tags);

/// <summary>
/// Which root posts a campaign takes besides its explicit list: those with any of
/// <see cref="Tags"/>, by an author in any of <see cref="Groups"/>, posted in [From, To) — every
/// criterion given must hold.
/// </summary>
[GenerateSerializer, Immutable, Alias("reach.CampaignRule")]
public sealed record CampaignRule(
    [property: Id(0)] string[] Tags,
    [property: Id(1)] string[] Groups,
    [property: Id(2)] long? From,
    [property: Id(3)] long? To)
{
    public bool Matches(RootPostInfo post, Func<string, string, bool> inGroup) =>
        (Tags.Length == 0 || post.Tags.Any(t => Tags.Contains(t, StringComparer.Ordinal)))
        && (Groups.Length == 0 || Groups.Any(g => inGroup(g, post.AuthorId)))
        && (From is null || post.At >= From)
        && (To is null || post.At < To);
}

[GenerateSerializer, Immutable, Alias("reach.CampaignDefinition")]
public sealed record CampaignDefinition(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Name,
    [property: Id(2)] string[] Posts,
    [property: Id(3)] CampaignRule? Rule);

/// <summary>A campaign's definition and the root posts it holds so far (explicit and matched).</summary>
[GenerateSerializer, Immutable, Alias("reach.CampaignView")]
public sealed record CampaignView(
    [property: Id(0)] CampaignDefinition Definition,
    [property: Id(1)] string[] Posts);

[GenerateSerializer, Immutable, Alias("reach.CampaignMatch")]
public sealed record CampaignMatch(
    [property: Id(0)] string CampaignId,
    [property: Id(1)] string PostId);

/// <summary>What an API key lets its holder do. Scopes are independent: admin does not imply read.</summary>
[Flags]
public enum ApiScopes
{
    None = 0,

    /// <summary>POST /v1/events.</summary>
    Ingest = 1,

    /// <summary>Every GET of the tenant's data, and verifying reports.</summary>
    Read = 2,

    /// <summary>Groups, campaigns, the watch list and the tenant's keys.</summary>
    Admin = 4,

    All = Ingest | Read | Admin,
}

[GenerateSerializer, Immutable, Alias("reach.ApiKeyRecord")]
public sealed record ApiKeyRecord(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Name,
    [property: Id(2)] ApiScopes Scopes,
    [property: Id(3)] byte[] Hash,
    [property: Id(4)] DateTimeOffset CreatedAt);

public enum ApiKeyStatus : byte
{
    Valid,
    Unknown,
    Revoked,
}

[GenerateSerializer, Immutable, Alias("reach.ApiKeyCheck")]
public sealed record ApiKeyCheck(
    [property: Id(0)] ApiKeyStatus Status,
    [property: Id(1)] string? Tenant,
    [property: Id(2)] ApiScopes Scopes);

/// <summary>A key as its tenant's admins see it: never the key itself.</summary>
[GenerateSerializer, Immutable, Alias("reach.ApiKeyInfo")]
public sealed record ApiKeyInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] ApiScopes Scopes,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset? RevokedAt);
