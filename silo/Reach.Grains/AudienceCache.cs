using Reach.Analysis.Ids;

namespace Reach.Grains;

/// <summary>
/// A cascade's copy of its participants' follower counts f(u) and the sizes and versions of their
/// known follower sets, fetched from the account index shards.
/// A refresh first reads the tenant's audience epoch: when it has not moved since the last refresh,
/// only shards with accounts added since then are asked. Otherwise every shard holding participants
/// is asked for the accounts added since the last refresh and for the accounts it changed since
/// then; only a shard that cannot list those (it was re-activated, or more changed than this cascade
/// has accounts there) is asked again for all of this cascade's accounts in it.
/// </summary>
internal sealed class AudienceCache
{
    private long[] _counts = [];
    private long[] _setSizes = [];
    private long[] _setVersions = [];
    private ulong[] _hashes = [];
    private int _known;
    private readonly ShardLayout _shards;
    private readonly List<int>[] _accountsByShard;
    private readonly AccountIndexCursor?[] _shardCursors;
    private long? _epoch;

    public AudienceCache(ShardLayout shards)
    {
        _shards = shards;
        _accountsByShard = new List<int>[shards.Count];
        _shardCursors = new AccountIndexCursor?[shards.Count];
    }

    /// <summary>f(u) per account index; -1 where unknown.</summary>
    public ReadOnlySpan<long> Counts => _counts.AsSpan(0, _known);

    /// <summary>|F(u)| per account index; -1 where no follower set is known.</summary>
    public ReadOnlySpan<long> SetSizes => _setSizes.AsSpan(0, _known);

    /// <summary>The version of each account's follower set, as last published to its index shard.</summary>
    public ReadOnlySpan<long> SetVersions => _setVersions.AsSpan(0, _known);

    /// <summary><see cref="IdHash.Of(string)"/> of each account's id, per account index.</summary>
    public ReadOnlySpan<ulong> Hashes => _hashes.AsSpan(0, _known);

    /// <summary>Accounts covered so far.</summary>
    public int Accounts => _known;

    /// <summary>Changes whenever any count changed.</summary>
    public long Version { get; private set; }

    private Task _refreshing = Task.CompletedTask;

    /// <summary>
    /// Brings the counts up to date; <see cref="Version"/> moves when any count changed. One refresh
    /// at a time: ingest batches interleave, and a refresh that found another in flight waits for it
    /// and then refreshes again, for the accounts added meanwhile.
    /// </summary>
    public async Task RefreshAsync(IGrainFactory grains, string tenant, IdTable accounts)
    {
        while (!_refreshing.IsCompleted)
        {
            // Its failure is its caller's to report; this one refreshes anyway.
            await Task.WhenAny(_refreshing);
        }

        _refreshing = RefreshOnceAsync(grains, tenant, accounts);
        await _refreshing;
    }

    private async Task RefreshOnceAsync(IGrainFactory grains, string tenant, IdTable accounts)
    {
        var epoch = await grains.Get<IAudienceEpochGrain>(tenant).GetAsync();
        var epochMoved = epoch != _epoch;
        if (!epochMoved && accounts.Count == _known)
        {
            return;
        }

        var firstNew = _known;
        if (accounts.Count > _counts.Length)
        {
            var size = Math.Max(accounts.Count, _counts.Length * 2);
            Array.Resize(ref _counts, size);
            Array.Resize(ref _setSizes, size);
            Array.Resize(ref _setVersions, size);
            Array.Resize(ref _hashes, size);
        }

        var newByShard = new Dictionary<int, (List<int> Indexes, List<string> Ids)>();
        for (var a = firstNew; a < accounts.Count; a++)
        {
            var id = accounts[a];
            _hashes[a] = IdHash.Of(id);
            var shard = _shards.ShardOf(_hashes[a]);
            (_accountsByShard[shard] ??= []).Add(a);
            if (!newByShard.TryGetValue(shard, out var added))
            {
                newByShard[shard] = added = ([], []);
            }

            added.Indexes.Add(a);
            added.Ids.Add(id);
            (_counts[a], _setSizes[a], _setVersions[a]) = (-1, -1, -1);
        }

        _known = accounts.Count;
        var calls = new List<Task<bool>>();
        for (var shard = 0; shard < _accountsByShard.Length; shard++)
        {
            if (_accountsByShard[shard] is { Count: > 0 } && (epochMoved || newByShard.ContainsKey(shard)))
            {
                calls.Add(RefreshShardAsync(grains, tenant, accounts, shard, newByShard.TryGetValue(shard, out var added) ? added : ([], [])));
            }
        }

        if ((await Task.WhenAll(calls)).Any(shardChanged => shardChanged))
        {
            Version++;
        }

        _epoch = epoch;
    }

    /// <param name="newAccounts">The shard's accounts added since the last refresh, as indexes and as the ids they stand for.</param>
    private async Task<bool> RefreshShardAsync(
        IGrainFactory grains, string tenant, IdTable accounts, int shard, (List<int> Indexes, List<string> Ids) newAccounts)
    {
        var index = grains.Get<IAccountIndexGrain>(GrainKeys.ForShard(tenant, shard));
        var all = _accountsByShard[shard];
        var earlier = all.Count - newAccounts.Indexes.Count;
        var since = _shardCursors[shard];

        // Until this refresh succeeds, the accounts it was to bring in are known only by the next
        // asking for all of them: they will not be new then, nor changed.
        _shardCursors[shard] = null;

        // Listing more changes than this cascade has earlier accounts in the shard would cost more than asking for those.
        var answer = await index.GetFollowerCountsAsync([.. newAccounts.Ids], earlier > 0 ? since : null, earlier);
        var changed = Apply(newAccounts.Indexes, answer);
        if (answer.At != since && earlier > 0)
        {
            if (answer.ChangedAccountIds is { } changedIds)
            {
                changed |= ApplyChanged(accounts, changedIds, answer, newAccounts.Indexes.Count);
            }
            else
            {
                answer = await index.GetFollowerCountsAsync([.. all.Select(a => accounts[a])], null, 0);
                changed |= Apply(all, answer);
            }
        }

        _shardCursors[shard] = answer.At;
        return changed;
    }

    private bool Apply(List<int> accountIndexes, FollowerCounts answer)
    {
        var changed = false;
        for (var i = 0; i < accountIndexes.Count; i++)
        {
            changed |= Set(accountIndexes[i], answer, i);
        }

        return changed;
    }

    /// <summary>Takes up the changed accounts that are this cascade's; the shard's others are skipped.</summary>
    private bool ApplyChanged(IdTable accounts, string[] changedIds, FollowerCounts answer, int firstChanged)
    {
        var changed = false;
        for (var i = 0; i < changedIds.Length; i++)
        {
            var a = accounts.IndexOf(changedIds[i]);
            if (a >= 0 && a < _known)
            {
                changed |= Set(a, answer, firstChanged + i);
            }
        }

        return changed;
    }

    private bool Set(int account, FollowerCounts answer, int at)
    {
        var fresh = (answer.Counts[at], answer.SetSizes[at], answer.SetVersions[at]);
        var changed = (_counts[account], _setSizes[account], _setVersions[account]) != fresh;
        (_counts[account], _setSizes[account], _setVersions[account]) = fresh;
        return changed;
    }
}
