using Orleans.Concurrency;

namespace Reach.Grains;

// Apply methods are [AlwaysInterleave]: each applies its batch synchronously in one turn, then
// waits for its journal commit, and other batches may run meanwhile so that they share commits.
// The cascade's and the directory's apply return before the commit, with a ticket that the caller
// passes to WhenCommittedAsync before acknowledging: a request moves on to its next grains while
// the first ones commit.

/// <summary>One repost cascade, keyed "{tenant}/{rootPostId}".</summary>
public interface ICascadeGrain : IGrainWithStringKey
{
    /// <summary>Which nodes of <paramref name="batch"/> would close a parent cycle; changes nothing.</summary>
    [AlwaysInterleave]
    Task<int[]> FindCyclesAsync(CascadeBatch batch);

    /// <summary>Applies a batch; idempotent per node id, like (account, post) and reply id. Answers before the commit: see <see cref="WhenCommittedAsync"/>.</summary>
    [AlwaysInterleave]
    Task<CascadeBatchResult> ApplyAsync(CascadeBatch batch);

    /// <summary>Returns once the change of <paramref name="ticket"/> is committed; throws <see cref="ChangeNotCommittedException"/> when it cannot be.</summary>
    [AlwaysInterleave]
    Task WhenCommittedAsync(JournalTicket ticket);

    /// <summary>The cascade metrics as JSON, recomputed only when the cascade changed.</summary>
    Task<JsonRead> GetMetricsAsync();

    Task<JsonRead> GetTimelineAsync(TimeSpan bucket);

    Task<CascadeArrays?> GetCascadeAsync();

    /// <summary>The post's current summary for its author's account metrics; null before the root arrived.</summary>
    Task<PostSummary?> GetSummaryAsync();

    /// <summary>The top reposts by marginal reach or by downstream reposts.</summary>
    Task<JsonRead> GetAmplifiersAsync(int top, AmplifierOrder by);
}

public enum AmplifierOrder : byte
{
    MarginalReach,
    Downstream,
}

/// <summary>
/// One account, keyed "{tenant}/{accountId}": who follows it and the posts it authored. Its
/// profile snapshot lives in its <see cref="IAccountIndexGrain"/> shard, so that a batch of
/// profiles for a million accounts costs one call per shard, not a million activations.
/// </summary>
public interface IAccountGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<AccountBatchResult> ApplyAsync(AccountBatch batch);

    /// <summary>Called by the cascade of one of this account's posts when its shape changed.</summary>
    [AlwaysInterleave]
    Task UpdatePostAsync(PostSummary summary);

    Task<AccountView?> GetAsync();

    /// <summary>The follower set as a cascade needs it (see <see cref="AudienceQuery"/>).</summary>
    Task<AudienceSlice> GetAudienceAsync(AudienceQuery query);
}

/// <summary>
/// A shard of per-account facts, keyed "{tenant}/{shard}": profile snapshots (latest time wins),
/// the size of each account's known follower set (pushed by its account grain), and reposts made.
/// Cascades read follower counts f(u) from here in bulk. Sharded so that a batch costs one call
/// per shard, not one per account.
/// </summary>
public interface IAccountIndexGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<ItemOutcome[]> ApplyProfilesAsync(ProfileBatch batch);

    /// <summary>Records reposts by (account, repost id); a pair recorded before is not counted again.</summary>
    [AlwaysInterleave]
    Task RecordRepostsAsync([Immutable] string[] accountIds, [Immutable] string[] repostIds);

    /// <summary>The size and version of an account's known follower set, pushed by its account grain.</summary>
    [AlwaysInterleave]
    Task SetKnownFollowersAsync(string accountId, long knownFollowers, long setVersion);

    /// <summary>
    /// The follower counts of <paramref name="accountIds"/> and, when <paramref name="changedSince"/>
    /// is given, of every account whose count changed after it, if those are at most
    /// <paramref name="maxChanged"/>: a cascade keeps its copy current without asking for all of its
    /// participants whenever some account of the shard changed.
    /// </summary>
    Task<FollowerCounts> GetFollowerCountsAsync([Immutable] string[] accountIds, AccountIndexCursor? changedSince, int maxChanged);

    Task<AccountProfile?> GetProfileAsync(string accountId);
}

/// <summary>
/// A shard of the post directory, keyed "{tenant}/{shard}": which cascades each post id belongs
/// to, and the likes, replies and quotes waiting on a post. It only answers; the caller delivers.
/// </summary>
public interface IPostDirectoryGrain : IGrainWithStringKey
{
    /// <summary>How many likes, replies and quotes wait for a post that is not placed in any cascade yet.</summary>
    Task<int> CountWaitingAsync(string postId);

    /// <summary>Claims, defines and references posts. Answers before the commit: see <see cref="WhenCommittedAsync"/>.</summary>
    [AlwaysInterleave]
    Task<DirectoryResult> ApplyAsync(DirectoryBatch batch);

    /// <summary>Returns once the change of <paramref name="ticket"/> is committed; throws <see cref="ChangeNotCommittedException"/> when it cannot be.</summary>
    [AlwaysInterleave]
    Task WhenCommittedAsync(JournalTicket ticket);
}

public enum WatchKind : byte
{
    Post,
    Account,
}

public enum WatchOutcome : byte
{
    Added,
    AlreadyWatched,
    Full,
}

/// <summary>
/// The posts and accounts a tenant pins for per-item gauges on /metrics, keyed "{tenant}". Bounded
/// (Reach:WatchListLimit), because every item becomes a few Prometheus series.
/// </summary>
public interface IWatchListGrain : IGrainWithStringKey
{
    Task<WatchOutcome> WatchAsync(WatchKind kind, string id);

    /// <summary>False when the item was not watched.</summary>
    Task<bool> UnwatchAsync(WatchKind kind, string id);

    Task<WatchList> GetAsync();
}

/// <summary>Answers from the silo that receives the call: proof that its scheduler runs grains.</summary>
public interface IPingGrain : IGrainWithIntegerKey
{
    Task PingAsync();
}

/// <summary>
/// A tenant's account groups and campaign rules, keyed "{tenant}": matches every new root post
/// against the rules so that campaigns pick up posts ingested after they were defined.
/// </summary>
public interface ICampaignDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Sets a group's members; true when the group is new.</summary>
    Task<bool> SetGroupAsync(string name, string[] accountIds);

    Task<string[]?> GetGroupAsync(string name);

    Task<Dictionary<string, string[]>> GetGroupsAsync();

    Task SetRuleAsync(string campaignId, CampaignRule? rule);

    /// <summary>Which campaigns' rules each post matches.</summary>
    Task<CampaignMatch[]> MatchAsync(RootPostInfo[] posts);
}

/// <summary>Root posts carrying one tag, keyed "{tenant}/{tag}".</summary>
public interface ITagIndexGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task AddAsync(RootPostInfo[] posts);

    Task<RootPostInfo[]> GetAsync();
}

/// <summary>One campaign, keyed "{tenant}/{campaignId}".</summary>
public interface ICampaignGrain : IGrainWithStringKey
{
    /// <summary>Sets the definition and takes in the posts already stored that it names or matches.</summary>
    Task<CampaignView> DefineAsync(CampaignDefinition definition);

    Task AddPostsAsync(string[] postIds);

    Task<CampaignView?> GetAsync();

    /// <summary>The campaign's figures as JSON; Unknown when the campaign is not defined.</summary>
    Task<JsonRead> GetMetricsAsync(TimeSpan bucket);

    /// <summary>The figures with their evidence (method, engine, time range, facts and their digest) as a report, JSON.</summary>
    Task<JsonRead> GetReportAsync(TimeSpan bucket);
}

/// <summary>
/// One API key, keyed by its id: the first 16 hex digits of the key's SHA-256. Holds the whole
/// hash, never the key; the tenant and scopes it grants; whether it was revoked.
/// </summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Stores a new key; false when the id is taken.</summary>
    Task<bool> CreateAsync(ApiKeyRecord record);

    /// <summary>Whether a key with this SHA-256 is valid, and what it grants.</summary>
    [ReadOnly]
    Task<ApiKeyCheck> CheckAsync(byte[] keyHash);

    /// <summary>Revokes the key if it belongs to <paramref name="tenant"/>; null when it does not (or does not exist).</summary>
    Task<ApiKeyInfo?> RevokeAsync(string tenant);

    Task<ApiKeyInfo?> GetAsync(string tenant);
}

/// <summary>The ids of a tenant's keys, keyed "{tenant}", for listing them.</summary>
public interface ITenantKeysGrain : IGrainWithStringKey
{
    Task AddAsync(string keyId);

    Task<string[]> GetAsync();
}

/// <summary>The tenants that have watched something, keyed 0: what /metrics reads the watch gauges of.</summary>
public interface IWatchingTenantsGrain : IGrainWithIntegerKey
{
    Task AddAsync(string tenant);

    [ReadOnly]
    Task<string[]> GetAsync();
}

/// <summary>
/// A tenant's audience epoch, keyed "{tenant}": an account index shard moves it whenever a follower
/// count or follower-set version it holds changed, so a cascade asks the shards for changes only
/// when it moved (one call per read instead of one per shard).
/// </summary>
public interface IAudienceEpochGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<long> GetAsync();

    Task AdvanceAsync();
}
