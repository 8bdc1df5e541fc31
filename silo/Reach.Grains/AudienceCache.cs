using Reach.Analysis.Ids;

namespace Reach.Grains;

/// <summary>
/// A cascade's copy of its participants' follower counts f(u) and the sizes and versions of their
/// known follower sets, fetched from the account index shards.
/// A refresh first reads the tenant's audience epoch: when it has not moved since the last refresh,
/// only shards with accounts added since then are asked. Otherwise every shard holding participants
/// is asked for the accounts added since the last refresh, and a shard whose version moved is asked
/// again for all of its accounts.
/// </summary>
internal sealed class AudienceCache
{
    private long[] _counts = [];
    private long[] _setSizes = [];
    private long[] _setVersions = [];
    private int _known;
    private readonly ShardLayout _shards;
    private readonly List<int>[] _accountsByShard;
    private readonly long[] _shardVersions;
    private long? _epoch;

    public AudienceCache(ShardLayout shards)
    {
        _shards = shards;
        _accountsByShard = new List<int>[shards.Count];
        _shardVersions = new long[shards.Count];
        Array.Fill(_shardVersions, -1);
    }

    /// <summary>f(u) per account index; -1 where unknown.</summary>
    public ReadOnlySpan<long> Counts => _counts.AsSpan(0, _known);

    /// <summary>|F(u)| per account index; -1 where no follower set is known.</summary>
    public ReadOnlySpan<long> SetSizes => _setSizes.AsSpan(0, _known);

    /// <summary>The version of each account's follower set, as last published to its index shard.</summary>
    public ReadOnlySpan<long> SetVersions => _setVersions.AsSpan(0, _known);

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
        }

        var newByShard = new Dictionary<int, (List<int> Indexes, List<string> Ids)>();
        for (var a = firstNew; a < accounts.Count; a++)
        {
            var id = accounts[a];
            var shard = _shards.ShardOf(id);
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
        var answer = await index.GetFollowerCountsAsync([.. newAccounts.Ids]);
        var changed = Apply(newAccounts.Indexes, answer);
        if (answer.Version != _shardVersions[shard] && newAccounts.Indexes.Count < _accountsByShard[shard].Count)
        {
            var all = _accountsByShard[shard];
            answer = await index.GetFollowerCountsAsync([.. all.Select(a => accounts[a])]);
            changed |= Apply(all, answer);
        }

        _shardVersions[shard] = answer.Version;
        return changed;
    }

    private bool Apply(List<int> accountIndexes, FollowerCounts answer)
    {
        var changed = false;
        for (var i = 0; i < accountIndexes.Count; i++)
        {
            var a = accountIndexes[i];
            var fresh = (answer.Counts[i], answer.SetSizes[i], answer.SetVersions[i]);
            changed |= (_counts[a], _setSizes[a], _setVersions[a]) != fresh;
            (_counts[a], _setSizes[a], _setVersions[a]) = fresh;
        }

        return changed;
    }
}
