using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Reach.Grains;

public sealed class WatchListGrain(
    [PersistentState("watch-list", ReachStorage.Name)] IPersistentState<WatchListState> state,
    IOptions<ReachOptions> options) : Grain, IWatchListGrain
{
    public async Task<WatchOutcome> WatchAsync(WatchKind kind, string id)
    {
        var (posts, accounts) = (state.State.Posts, state.State.Accounts);
        if ((kind == WatchKind.Post ? posts : accounts).Contains(id, StringComparer.Ordinal))
        {
            return WatchOutcome.AlreadyWatched;
        }

        if (posts.Length + accounts.Length >= options.Value.WatchListLimit)
        {
            return WatchOutcome.Full;
        }

        state.State = kind == WatchKind.Post ? state.State with { Posts = [.. posts, id] } : state.State with { Accounts = [.. accounts, id] };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IWatchingTenantsGrain>(0).AddAsync(this.GetPrimaryKeyString());
        return WatchOutcome.Added;
    }

    public async Task<bool> UnwatchAsync(WatchKind kind, string id)
    {
        var list = kind == WatchKind.Post ? state.State.Posts : state.State.Accounts;
        if (!list.Contains(id, StringComparer.Ordinal))
        {
            return false;
        }

        string[] kept = [.. list.Where(item => item != id)];
        state.State = kind == WatchKind.Post ? state.State with { Posts = kept } : state.State with { Accounts = kept };
        await state.WriteStateAsync();
        return true;
    }

    public Task<WatchList> GetAsync() => Task.FromResult(new WatchList(state.State.Posts, state.State.Accounts, options.Value.WatchListLimit));
}

[StatelessWorker]
public sealed class PingGrain : Grain, IPingGrain
{
    public Task PingAsync() => Task.CompletedTask;
}
