using Reach.Grains.Journal;

namespace Reach.Grains;

/// <summary>
/// One account: who follows it (for each follower the latest follow/unfollow wins, unfollow on a
/// tie; a follower-list snapshot is the truth as of its time) and a summary of each post it
/// authored. The size of the follower set goes to the account's index shard, where cascades read
/// follower counts.
/// </summary>
public sealed class AccountGrain(
    [PersistentState("account", ReachStorage.Name)] IPersistentState<AccountState> state,
    GrainJournals journals) : Grain, IAccountGrain
{
    private string _tenant = GrainKeys.DefaultTenant;
    private string _accountId = "";
    private HashSet<string> _snapshot = new(StringComparer.Ordinal);
    private long _snapshotAt = long.MinValue;
    private readonly Dictionary<string, (long At, bool Follows)> _edges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PostSummary> _posts = new(StringComparer.Ordinal);
    private long? _publishedKnownFollowers;
    private Task _publishing = Task.CompletedTask;
    private bool _dirty;
    private GrainJournal<AccountJournalEntry, AccountState> _journal = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _accountId) = GrainKeys.Parse(this.GetPrimaryKeyString());
        var s = state.State;
        _snapshot = new HashSet<string>(s.SnapshotFollowers, StringComparer.Ordinal);
        _snapshotAt = s.SnapshotAt;
        for (var i = 0; i < s.EdgeFollowers.Length; i++)
        {
            _edges[s.EdgeFollowers[i]] = (s.EdgeTimes[i], s.EdgeFollows[i]);
        }

        foreach (var post in s.Posts)
        {
            _posts[post.PostId] = post;
        }

        _journal = journals.For<AccountJournalEntry, AccountState>(
            this, "account:" + this.GetPrimaryKeyString(), state, Snapshot,
            () => (32L * (_snapshot.Count + _edges.Count)) + (64L * _posts.Count),
            quickReplay: true);
        await _journal.ReplayAsync(Replay, cancellationToken);

        // Left unset, so the first batch publishes the count again: the previous activation may
        // have stored a change and died before publishing it.
        _publishedKnownFollowers = null;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _journal.OnDeactivateAsync(reason, cancellationToken);

    public async Task<AccountBatchResult> ApplyAsync(AccountBatch batch)
    {
        var (edges, snapshots) = ApplyFollowers(batch);
        var changed = _dirty;
        _dirty = false;
        await (changed ? _journal.AppendAsync(new AccountJournalEntry { Followers = batch }) : _journal.WhenDurableAsync());

        await PublishKnownFollowersAsync();
        return new AccountBatchResult(edges, snapshots);
    }

    public async Task UpdatePostAsync(PostSummary summary)
    {
        await (UpdatePost(summary) ? _journal.AppendAsync(new AccountJournalEntry { Post = summary }) : _journal.WhenDurableAsync());
    }

    public Task<AccountView?> GetAsync()
    {
        var known = KnownFollowers();
        return Task.FromResult(known is null && _posts.Count == 0
            ? null
            : new AccountView((int)(known ?? 0), known is not null, [.. _posts.Values]));
    }

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

        _dirty = false;
    }

    private AccountState Snapshot(long journalSequence) => new()
    {
        SnapshotFollowers = [.. _snapshot],
        SnapshotAt = _snapshotAt,
        EdgeFollowers = [.. _edges.Keys],
        EdgeTimes = [.. _edges.Values.Select(e => e.At)],
        EdgeFollows = [.. _edges.Values.Select(e => e.Follows)],
        Posts = [.. _posts.Values],
        JournalSequence = journalSequence,
    };

    private (ItemOutcome[] Edges, ItemOutcome[] Snapshots) ApplyFollowers(AccountBatch batch)
    {
        var edges = new ItemOutcome[batch.EdgeFollowers.Length];
        for (var i = 0; i < edges.Length; i++)
        {
            edges[i] = ApplyEdge(batch.EdgeFollowers[i], batch.EdgeFollows[i], batch.EdgeTimes[i]);
        }

        var snapshots = new ItemOutcome[batch.Snapshots.Length];
        for (var i = 0; i < snapshots.Length; i++)
        {
            snapshots[i] = ApplySnapshot(batch.Snapshots[i], batch.SnapshotTimes[i]);
        }

        return (edges, snapshots);
    }

    private bool UpdatePost(PostSummary summary)
    {
        if (_posts.TryGetValue(summary.PostId, out var known) && known.Version >= summary.Version)
        {
            return false;
        }

        _posts[summary.PostId] = summary;
        return true;
    }

    private ItemOutcome ApplyEdge(string follower, bool follows, long at)
    {
        if (_edges.TryGetValue(follower, out var known))
        {
            if (known.At == at && known.Follows == follows)
            {
                return ItemOutcome.Duplicate;
            }

            if (known.At > at || (known.At == at && !known.Follows))
            {
                return ItemOutcome.Accepted;
            }
        }

        _edges[follower] = (at, follows);
        _dirty = true;
        return ItemOutcome.Accepted;
    }

    private ItemOutcome ApplySnapshot(string[] followers, long at)
    {
        if (at < _snapshotAt)
        {
            return ItemOutcome.Accepted;
        }

        if (at == _snapshotAt)
        {
            // Two lists for the same instant: keep their union, whatever order they came in.
            var before = _snapshot.Count;
            _snapshot.UnionWith(followers);
            _dirty |= _snapshot.Count != before;
            return _snapshot.Count == before ? ItemOutcome.Duplicate : ItemOutcome.Accepted;
        }

        _snapshot = new HashSet<string>(followers, StringComparer.Ordinal);
        _snapshotAt = at;
        _dirty = true;
        return ItemOutcome.Accepted;
    }

    /// <summary>
    /// |F(u)|: the snapshot, with follow/unfollow events later than it applied on top; counted
    /// without copying the snapshot, since each follower has at most one pair event.
    /// </summary>
    private long? KnownFollowers()
    {
        if (_snapshotAt == long.MinValue && _edges.Count == 0)
        {
            return null;
        }

        long count = _snapshot.Count;
        foreach (var (follower, (at, follows)) in _edges)
        {
            if (at > _snapshotAt && follows != _snapshot.Contains(follower))
            {
                count += follows ? 1 : -1;
            }
        }

        return count;
    }

    /// <summary>
    /// One publication at a time, so that counts reach the index in the order they were computed
    /// (batches interleave while they commit); a caller that finds one in flight waits for it and
    /// publishes again if the count moved meanwhile.
    /// </summary>
    private async Task PublishKnownFollowersAsync()
    {
        while (KnownFollowers() is { } known && known != _publishedKnownFollowers)
        {
            if (!_publishing.IsCompleted)
            {
                await _publishing;
                continue;
            }

            _publishing = PublishAsync(known);
            await _publishing;
        }
    }

    private async Task PublishAsync(long known)
    {
        await GrainFactory.GetGrain<IAccountIndexGrain>(GrainKeys.ForShard(_tenant, GrainKeys.ShardOf(_accountId)))
            .SetKnownFollowersAsync(_accountId, known);
        _publishedKnownFollowers = known;
    }
}
