using Reach.Analysis.Ids;

namespace Reach.Grains;

public sealed class AccountIndexGrain(
    [PersistentState("account-index", ReachStorage.Name)] IPersistentState<AccountIndexState> state,
    DeactivationWrites deactivationWrites) : Grain, IAccountIndexGrain
{
    private readonly Dictionary<string, long> _followers = new(StringComparer.Ordinal);
    private readonly HashSet<ulong> _reposts = [];
    private readonly Dictionary<string, int> _repostsMade = new(StringComparer.Ordinal);
    private long _version;
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var s = state.State;
        for (var i = 0; i < s.FollowerAccounts.Length; i++)
        {
            _followers[s.FollowerAccounts[i]] = s.FollowerCounts[i];
        }

        _reposts.UnionWith(s.Reposts);
        for (var i = 0; i < s.RepostAccounts.Length; i++)
        {
            _repostsMade[s.RepostAccounts[i]] = s.RepostCounts[i];
        }

        _version = s.Version;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!deactivationWrites.Wanted(reason, _dirty))
        {
            return;
        }

        state.State = new AccountIndexState
        {
            FollowerAccounts = [.. _followers.Keys],
            FollowerCounts = [.. _followers.Values],
            Reposts = [.. _reposts],
            RepostAccounts = [.. _repostsMade.Keys],
            RepostCounts = [.. _repostsMade.Values],
            Version = _version,
        };
        await state.WriteStateAsync(cancellationToken);
        _dirty = false;
    }

    public Task<bool[]> RecordRepostsAsync(string[] accountIds, string[] repostIds)
    {
        var added = new bool[accountIds.Length];
        for (var i = 0; i < accountIds.Length; i++)
        {
            if (_reposts.Add(IdHash.Of(accountIds[i], repostIds[i])))
            {
                added[i] = true;
                _repostsMade[accountIds[i]] = _repostsMade.GetValueOrDefault(accountIds[i]) + 1;
                _dirty = true;
            }
        }

        return Task.FromResult(added);
    }

    public Task SetFollowerCountAsync(string accountId, long followers)
    {
        if (!_followers.TryGetValue(accountId, out var known) || known != followers)
        {
            _followers[accountId] = followers;
            _version++;
            _dirty = true;
        }

        return Task.CompletedTask;
    }

    public Task<FollowerCounts> GetFollowerCountsAsync(string[] accountIds)
    {
        var counts = new long[accountIds.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = _followers.TryGetValue(accountIds[i], out var f) ? f : -1;
        }

        return Task.FromResult(new FollowerCounts(_version, counts));
    }

    public Task<int> GetRepostsMadeAsync(string accountId) => Task.FromResult(_repostsMade.GetValueOrDefault(accountId));
}
