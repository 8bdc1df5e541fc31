using Reach.Analysis.Events;

/// <summary>
/// Profile updates in the background while metrics are read, as a live tenant has them: every
/// 100 ms one request of account events, for accounts outside the read cascade, with follower
/// counts that change each time, so that every account-index shard's counts keep moving.
/// </summary>
internal sealed class ProfileChurn : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ProfileChurn(HttpClient http, int perSecond) => _loop = RunAsync(http, perSecond, _stop.Token);

    /// <summary>Profile updates sent so far.</summary>
    public long Sent { get; private set; }

    public static ProfileChurn Start(HttpClient http, int perSecond) => new(http, perSecond);

    private async Task RunAsync(HttpClient http, int perSecond, CancellationToken stop)
    {
        var perTick = Math.Max(1, perSecond / 10);
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var round = 0L;
        try
        {
            while (await ticks.WaitForNextTickAsync(stop))
            {
                round++;
                var at = DateTimeOffset.UtcNow.UtcTicks;
                var events = Enumerable.Range(0, perTick).Select(i => new ReachEvent
                {
                    Type = EventType.Account,
                    AccountId = $"churn-{i}",
                    Followers = round,
                    At = at,
                });
                using var content = LoadHttp.Ndjson(EventWriter.ToNdjson(events));
                using var response = await http.PostAsync("/v1/events", content, stop);
                response.EnsureSuccessStatusCode();
                Sent += perTick;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
