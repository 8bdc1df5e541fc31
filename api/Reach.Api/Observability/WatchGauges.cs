using System.Diagnostics.Metrics;
using System.Text.Json;
using Reach.Api.Access;
using Reach.Api.Endpoints;
using Reach.Grains;

namespace Reach.Api.Observability;

/// <summary>
/// Gauges for the watched posts and accounts (the only series that carry a post or account id).
/// Gauge callbacks cannot wait for grains, so <see cref="RefreshAsync"/> reads the watched items
/// before each scrape of /metrics and the callbacks report what it read.
/// </summary>
public sealed class WatchGauges : IDisposable
{
    public const string MeterName = "Reach.Watch";

    private readonly Meter _meter = new(MeterName);
    private readonly IGrainFactory _grains;
    private readonly ShardLayout _shards;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Readings _readings = new([], []);

    private sealed record PostReading(string Tenant, string PostId, long Reposts, long? Reach, double? Multiplier, long VelocityPerHour);

    private sealed record AccountReading(string Tenant, string AccountId, long? Followers, long Posts, long RepostsReceived);

    private sealed record Readings(PostReading[] Posts, AccountReading[] Accounts);

    public WatchGauges(IGrainFactory grains, ShardLayout shards)
    {
        (_grains, _shards) = (grains, shards);
        Post("reach.watch.post.reposts", "{repost}", "Reposts of a watched post.", p => p.Reposts);
        Post("reach.watch.post.reach", "{account}", "Reach of a watched post (distinct accounts that had it in their timeline).", p => p.Reach);
        Post("reach.watch.post.multiplier", null, "Multiplier of a watched post: reach ÷ the author's known followers.", p => p.Multiplier);
        Post("reach.watch.post.velocity_per_hour", "{repost}", "Reposts of a watched post in the hour up to its latest repost.", p => p.VelocityPerHour);
        Account("reach.watch.account.followers", "{account}", "Follower count f(u) of a watched account.", a => a.Followers);
        Account("reach.watch.account.posts", "{post}", "Posts by a watched account.", a => a.Posts);
        Account("reach.watch.account.reposts_received", "{repost}", "Reposts and quotes in the cascades of a watched account's posts.", a => a.RepostsReceived);
    }

    /// <summary>Reads every watched item; concurrent scrapes share one refresh at a time.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            // Watch lists kept before tenants were registered belong to the default tenant.
            var tenants = (await _grains.GetGrain<IWatchingTenantsGrain>(0).GetAsync()).Append(GrainKeys.DefaultTenant).Distinct(StringComparer.Ordinal);
            var readings = await Task.WhenAll(tenants.Select(tenant => ReadTenantAsync(new TenantGrains(_grains, _shards, tenant))));
            _readings = new Readings([.. readings.SelectMany(r => r.Posts)], [.. readings.SelectMany(r => r.Accounts)]);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public void Dispose()
    {
        _meter.Dispose();
        _refreshing.Dispose();
    }

    private static async Task<Readings> ReadTenantAsync(TenantGrains data)
    {
        var list = await data.WatchList.GetAsync();
        var posts = await Task.WhenAll(list.Posts.Select(id => ReadPostAsync(data, id)));
        var accounts = await Task.WhenAll(list.Accounts.Select(async id =>
            await AccountsApi.ReadAsync(data, id) is { } metrics
                ? new AccountReading(data.Tenant, id, metrics.Followers, metrics.Posts, metrics.RepostsReceived)
                : null));
        return new Readings([.. posts.OfType<PostReading>()], [.. accounts.OfType<AccountReading>()]);
    }

    private static async Task<PostReading?> ReadPostAsync(TenantGrains data, string postId)
    {
        var read = await data.Cascade(postId).GetMetricsAsync();
        if (read.Status != ReadStatus.Ready)
        {
            return null;
        }

        using var metrics = JsonDocument.Parse(read.Json);
        var root = metrics.RootElement;
        long? Long(string name) => root.GetProperty(name).ValueKind == JsonValueKind.Number ? root.GetProperty(name).GetInt64() : null;
        double? Double(string name) => root.GetProperty(name).ValueKind == JsonValueKind.Number ? root.GetProperty(name).GetDouble() : null;
        return new PostReading(data.Tenant, postId, Long("reposts") ?? 0, Long("reach"), Double("multiplier"), Long("velocityPerHour") ?? 0);
    }

    private void Post(string name, string? unit, string description, Func<PostReading, double?> value) =>
        _meter.CreateObservableGauge(name, () => _readings.Posts
            .Where(p => value(p).HasValue)
            .Select(p => new Measurement<double>(value(p)!.Value, new KeyValuePair<string, object?>("tenant", p.Tenant), new KeyValuePair<string, object?>("post_id", p.PostId))), unit, description);

    private void Account(string name, string? unit, string description, Func<AccountReading, double?> value) =>
        _meter.CreateObservableGauge(name, () => _readings.Accounts
            .Where(a => value(a).HasValue)
            .Select(a => new Measurement<double>(value(a)!.Value, new KeyValuePair<string, object?>("tenant", a.Tenant), new KeyValuePair<string, object?>("account_id", a.AccountId))), unit, description);
}
