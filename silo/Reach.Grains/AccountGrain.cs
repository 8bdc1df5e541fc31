namespace Reach.Grains;

/// <summary>
/// One account: its profile snapshot (latest time wins), who follows it (for each follower the
/// latest follow/unfollow wins, unfollow on a tie; a follower-list snapshot is the truth as of its
/// time) and a summary of each post it authored.
/// </summary>
public sealed class AccountGrain(
    [PersistentState("account", ReachStorage.Name)] IPersistentState<AccountState> state,
    DeactivationWrites deactivationWrites) : Grain, IAccountGrain
{
    private string _tenant = GrainKeys.DefaultTenant;
    private string _accountId = "";
    private long? _reportedFollowers;
    private string? _handle;
    private long _profileAt = long.MinValue;
    private HashSet<string> _snapshot = new(StringComparer.Ordinal);
    private long _snapshotAt = long.MinValue;
    private readonly Dictionary<string, (long At, bool Follows)> _edges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PostSummary> _posts = new(StringComparer.Ordinal);
    private long? _publishedFollowers;
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _accountId) = GrainKeys.Parse(this.GetPrimaryKeyString());
        var s = state.State;
        _reportedFollowers = s.ReportedFollowers;
        _handle = s.Handle;
        _profileAt = s.ProfileAt;
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

        _publishedFollowers = FollowerCount();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!deactivationWrites.Wanted(reason, _dirty))
        {
            return;
        }

        state.State = new AccountState
        {
            ReportedFollowers = _reportedFollowers,
            Handle = _handle,
            ProfileAt = _profileAt,
            SnapshotFollowers = [.. _snapshot],
            SnapshotAt = _snapshotAt,
            EdgeFollowers = [.. _edges.Keys],
            EdgeTimes = [.. _edges.Values.Select(e => e.At)],
            EdgeFollows = [.. _edges.Values.Select(e => e.Follows)],
            Posts = [.. _posts.Values],
        };
        await state.WriteStateAsync(cancellationToken);
        _dirty = false;
    }

    public async Task<AccountBatchResult> ApplyAsync(AccountBatch batch)
    {
        var profiles = new ItemOutcome[batch.ProfileFollowers.Length];
        for (var i = 0; i < profiles.Length; i++)
        {
            profiles[i] = ApplyProfile(batch.ProfileFollowers[i], batch.ProfileHandles[i], batch.ProfileTimes[i]);
        }

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

        _dirty |= profiles.Concat(edges).Concat(snapshots).Any(o => o == ItemOutcome.Accepted);
        await PublishFollowerCountAsync();
        return new AccountBatchResult(profiles, edges, snapshots);
    }

    public Task UpdatePostAsync(PostSummary summary)
    {
        if (!_posts.TryGetValue(summary.PostId, out var known) || known.Version < summary.Version)
        {
            _posts[summary.PostId] = summary;
            _dirty = true;
        }

        return Task.CompletedTask;
    }

    public Task<AccountView?> GetAsync()
    {
        var followersKnown = _snapshotAt != long.MinValue || _edges.Count > 0;
        if (_profileAt == long.MinValue && !followersKnown && _posts.Count == 0)
        {
            return Task.FromResult<AccountView?>(null);
        }

        return Task.FromResult<AccountView?>(new AccountView(
            _accountId, _handle, _reportedFollowers, CurrentFollowers().Count, followersKnown, [.. _posts.Values]));
    }

    private ItemOutcome ApplyProfile(long followers, string? handle, long at)
    {
        if (at == _profileAt && followers == _reportedFollowers && handle == _handle)
        {
            return ItemOutcome.Duplicate;
        }

        // Latest time wins; equal times are settled by value so that arrival order never matters.
        var wins = at > _profileAt
            || (at == _profileAt && (followers > _reportedFollowers
                || (followers == _reportedFollowers && string.CompareOrdinal(handle, _handle) > 0)));
        if (wins)
        {
            _reportedFollowers = followers;
            _handle = handle;
            _profileAt = at;
        }

        return ItemOutcome.Accepted;
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
            return _snapshot.Count == before ? ItemOutcome.Duplicate : ItemOutcome.Accepted;
        }

        _snapshot = new HashSet<string>(followers, StringComparer.Ordinal);
        _snapshotAt = at;
        return ItemOutcome.Accepted;
    }

    /// <summary>F(u): the snapshot, with follow/unfollow events later than it applied on top.</summary>
    private HashSet<string> CurrentFollowers()
    {
        var followers = new HashSet<string>(_snapshot, StringComparer.Ordinal);
        foreach (var (follower, (at, follows)) in _edges)
        {
            if (at <= _snapshotAt)
            {
                continue;
            }

            if (follows)
            {
                followers.Add(follower);
            }
            else
            {
                followers.Remove(follower);
            }
        }

        return followers;
    }

    /// <summary>f(u): the latest reported count, else the size of the known follower set.</summary>
    private long? FollowerCount() =>
        _reportedFollowers ?? (_snapshotAt != long.MinValue || _edges.Count > 0 ? CurrentFollowers().Count : null);

    private async Task PublishFollowerCountAsync()
    {
        var count = FollowerCount();
        if (count is { } f && f != _publishedFollowers)
        {
            await GrainFactory.GetGrain<IAccountIndexGrain>(GrainKeys.ForShard(_tenant, GrainKeys.ShardOf(_accountId)))
                .SetFollowerCountAsync(_accountId, f);
            _publishedFollowers = f;
        }
    }
}
