using Reach.Analysis.Audience;
using Reach.Analysis.Ids;
using Reach.Grains.Journal;

namespace Reach.Grains;

/// <summary>
/// One account: who follows it, F(u), as a compact <see cref="FollowerSet"/> of follower hashes
/// (for each follower the latest follow/unfollow wins, unfollow on a tie; a follower list is the
/// truth as of its time), and a summary of each post it authored. The size and version of the
/// follower set go to the account's index shard, where cascades learn which sets changed; cascades
/// then ask this grain for the set itself, its sketch, or which of their participants follow it.
/// </summary>
public sealed class AccountGrain(
    [PersistentState("account", ReachStorage.Name)] IPersistentState<AccountState> state,
    GrainJournals journals,
    ShardLayout shards) : Grain, IAccountGrain
{
    private string _tenant = GrainKeys.DefaultTenant;
    private string _accountId = "";
    private FollowerSet _followers = new();
    private readonly Dictionary<string, PostSummary> _posts = new(StringComparer.Ordinal);

    // Set versions start at a random point per activation, so that a version a cascade saw before a
    // crash can never name different contents after it.
    private readonly long _versionEpoch = Random.Shared.NextInt64(1, 1L << 30) << 32;
    private (long Count, long Version)? _published;
    private Task _publishing = Task.CompletedTask;
    private GrainJournal<AccountJournalEntry, AccountState> _journal = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _accountId) = GrainKeys.Parse(this.GetPrimaryKeyString());
        var s = state.State;
        _followers = FollowerSet.FromImage(new FollowerSetImage(
            s.FollowerSnapshot, s.SnapshotAt, s.HasFollowerSnapshot, s.PairFollowers, s.PairTimes, s.PairFollows));
        if (!s.HasFollowerSnapshot && (s.SnapshotAt != long.MinValue || s.EdgeFollowers.Length > 0))
        {
            // A state written before followers were kept as hashes.
            if (s.SnapshotAt != long.MinValue)
            {
                _followers.ApplySnapshot(FollowerSet.HashList(s.SnapshotFollowers), s.SnapshotAt);
            }

            for (var i = 0; i < s.EdgeFollowers.Length; i++)
            {
                _followers.ApplyPair(IdHash.Of(s.EdgeFollowers[i]), s.EdgeFollows[i], s.EdgeTimes[i]);
            }
        }

        foreach (var post in s.Posts)
        {
            _posts[post.PostId] = post;
        }

        _journal = journals.For<AccountJournalEntry, AccountState>(
            this, "account:" + this.GetPrimaryKeyString(), state, Snapshot,
            () => _followers.FootprintBytes + (64L * _posts.Count),
            quickReplay: true);
        await _journal.ReplayAsync(Replay, cancellationToken);
        ReachMeters.Activated("account");
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ReachMeters.Deactivated("account");
        return _journal.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task<AccountBatchResult> ApplyAsync(AccountBatch batch)
    {
        var before = _followers.Version;
        var (edges, snapshots) = ApplyFollowers(batch);
        await (_followers.Version != before ? _journal.AppendAsync(new AccountJournalEntry { Followers = batch }) : _journal.WhenDurableAsync());

        await PublishKnownFollowersAsync();
        return new AccountBatchResult(edges, snapshots);
    }

    public async Task UpdatePostAsync(PostSummary summary)
    {
        await (UpdatePost(summary) ? _journal.AppendAsync(new AccountJournalEntry { Post = summary }) : _journal.WhenDurableAsync());
    }

    public Task<AccountView?> GetAsync() => Task.FromResult(!_followers.IsKnown && _posts.Count == 0
        ? null
        : new AccountView(_followers.Count, _followers.IsKnown, [.. _posts.Values]));

    public async Task<AudienceSlice> GetAudienceAsync(AudienceQuery query)
    {
        // A fresh activation has a new set version: tell the index, or cascades would keep asking.
        await PublishKnownFollowersAsync();
        var known = _followers.IsKnown;
        return new AudienceSlice(
            known,
            _followers.Count,
            SetVersion,
            known && query.WantMembers ? _followers.Members() : null,
            known && query.WantSketch ? _followers.SketchBytes() : null,
            known && query.Candidates.Length > 0 ? _followers.IndexesOfMembers(query.Candidates) : []);
    }

    /// <summary>Sets above this size are merged into reach by their sketch (smaller ones travel as members).</summary>
    private const int LargeSet = 2048;

    private long SetVersion => _versionEpoch + _followers.MembershipVersion;

    private void Replay(AccountJournalEntry entry)
    {
        if (entry.Followers is { } followers)
        {
            ApplyFollowers(followers);
        }

        if (entry.Post is { } post)
        {
            UpdatePost(post);
        }
    }

    private AccountState Snapshot(long journalSequence)
    {
        var image = _followers.ToImage();
        return new AccountState
        {
            FollowerSnapshot = image.Snapshot,
            SnapshotAt = image.SnapshotAt,
            HasFollowerSnapshot = image.HasSnapshot,
            PairFollowers = image.PairFollowers,
            PairTimes = image.PairTimes,
            PairFollows = image.PairFollows,
            Posts = [.. _posts.Values],
            JournalSequence = journalSequence,
        };
    }

    private (ItemOutcome[] Edges, ItemOutcome[] Snapshots) ApplyFollowers(AccountBatch batch)
    {
        var edgeCount = Math.Max(batch.EdgeFollowerHashes.Length, batch.EdgeFollowers.Length);
        var edges = new ItemOutcome[edgeCount];
        for (var i = 0; i < edges.Length; i++)
        {
            var follower = i < batch.EdgeFollowerHashes.Length ? batch.EdgeFollowerHashes[i] : IdHash.Of(batch.EdgeFollowers[i]);
            edges[i] = ToOutcome(_followers.ApplyPair(follower, batch.EdgeFollows[i], batch.EdgeTimes[i]));
        }

        var snapshots = new ItemOutcome[batch.SnapshotTimes.Length];
        for (var i = 0; i < snapshots.Length; i++)
        {
            var followers = i < batch.SnapshotHashes.Length
                ? FollowerSet.FromBytes<ulong>(batch.SnapshotHashes[i])
                : FollowerSet.HashList(batch.Snapshots[i]);
            snapshots[i] = ToOutcome(_followers.ApplySnapshot(followers, batch.SnapshotTimes[i]));
        }

        if (snapshots.Length > 0 && _followers.Count > LargeSet)
        {
            // Built with the import it comes from, so that the first cascade to ask finds it ready.
            _followers.SketchBytes();
        }

        return (edges, snapshots);
    }

    private static ItemOutcome ToOutcome(FollowOutcome outcome) =>
        outcome == FollowOutcome.Duplicate ? ItemOutcome.Duplicate : ItemOutcome.Accepted;

    private bool UpdatePost(PostSummary summary)
    {
        if (_posts.TryGetValue(summary.PostId, out var known) && known.Version >= summary.Version)
        {
            return false;
        }

        _posts[summary.PostId] = summary;
        return true;
    }

    /// <summary>
    /// One publication at a time, so that counts reach the index in the order they were computed
    /// (batches interleave while they commit); a caller that finds one in flight waits for it and
    /// publishes again if the set moved meanwhile.
    /// </summary>
    private async Task PublishKnownFollowersAsync()
    {
        while (_followers.IsKnown && _published != (_followers.Count, SetVersion))
        {
            if (!_publishing.IsCompleted)
            {
                await _publishing;
                continue;
            }

            _publishing = PublishAsync(_followers.Count, SetVersion);
            await _publishing;
        }
    }

    private async Task PublishAsync(long count, long version)
    {
        await GrainFactory.Get<IAccountIndexGrain>(GrainKeys.ForShard(_tenant, shards.ShardOf(_accountId)))
            .SetKnownFollowersAsync(_accountId, count, version);
        _published = (count, version);
    }
}
