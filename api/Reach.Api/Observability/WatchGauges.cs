using System.Diagnostics.Metrics;
using System.Text.Json;
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
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Readings _readings = new([], []);

    private sealed record PostReading(string PostId, long Reposts, long? Reach, double? Multiplier, long VelocityPerHour);

    private sealed record AccountReading(string AccountId, long? Followers, long Posts, long RepostsReceived);

    private sealed record Readings(PostReading[] Posts, AccountReading[] Accounts);

    public WatchGauges(IGrainFactory grains)
    {
        _grains = grains;
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
            var tenant = GrainKeys.DefaultTenant;
            var list = await _grains.GetGrain<IWatchListGrain>(tenant).GetAsync();
            var posts = await Task.WhenAll(list.Posts.Select(ReadPostAsync));
            var accounts = await Task.WhenAll(list.Accounts.Select(async id =>
                await AccountsApi.ReadAsync(_grains, tenant, id) is { } metrics
                    ? new AccountReading(id, metrics.Followers, metrics.Posts, metrics.RepostsReceived)
                    : null));
            _readings = new Readings([.. posts.OfType<PostReading>()], [.. accounts.OfType<AccountReading>()]);
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

    private async Task<PostReading?> ReadPostAsync(string postId)
    {
        var read = await _grains.GetGrain<ICascadeGrain>(GrainKeys.For(GrainKeys.DefaultTenant, postId)).GetMetricsAsync();
        if (read.Status != ReadStatus.Ready)
        {
            return null;
        }

        using var metrics = JsonDocument.Parse(read.Json);
        var root = metrics.RootElement;
        long? Long(string name) => root.GetProperty(name).ValueKind == JsonValueKind.Number ? root.GetProperty(name).GetInt64() : null;
        double? Double(string name) => root.GetProperty(name).ValueKind == JsonValueKind.Number ? root.GetProperty(name).GetDouble() : null;
        return new PostReading(postId, Long("reposts") ?? 0, Long("reach"), Double("multiplier"), Long("velocityPerHour") ?? 0);
    }

    private void Post(string name, string? unit, string description, Func<PostReading, double?> value) =>
        _meter.CreateObservableGauge(name, () => _readings.Posts
            .Where(p => value(p).HasValue)
            .Select(p => new Measurement<double>(value(p)!.Value, new KeyValuePair<string, object?>("post_id", p.PostId))), unit, description);

    private void Account(string name, string? unit, string description, Func<AccountReading, double?> value) =>
        _meter.CreateObservableGauge(name, () => _readings.Accounts
            .Where(a => value(a).HasValue)
            .Select(a => new Measurement<double>(value(a)!.Value, new KeyValuePair<string, object?>("account_id", a.AccountId))), unit, description);
}
