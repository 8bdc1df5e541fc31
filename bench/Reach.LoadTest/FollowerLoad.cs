using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

/// <summary>
/// Bulk follower import through <c>POST /v1/events</c>: N accounts, one "followers" event each,
/// generated as the requests go (a hundred million ids would not fit in memory as strings), then
/// optionally a cascade by those accounts whose first metrics read fetches and merges their sets.
/// </summary>
internal static class FollowerLoad
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        using var http = LoadHttp.Create(options.Url, TimeSpan.FromMinutes(30));
        var prefix = $"load{options.Seed}-";
        var stride = options.ListSize - options.Overlap;
        // Each list also names the next three accounts, so later reposters follow earlier ones.
        const int FollowingNext = 3;
        var distinct = ((long)stride * (options.FollowerLists - 1)) + options.ListSize + options.FollowerLists + FollowingNext - 1;
        Console.WriteLine($"{options.FollowerLists:N0} follower lists of {options.ListSize:N0} ids ({(long)options.FollowerLists * options.ListSize:N0} entries, {distinct:N0} distinct), {options.Concurrency} requests in flight");

        var next = -1;
        var latencies = new double[options.FollowerLists];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            int list;
            while ((list = Interlocked.Increment(ref next)) < options.FollowerLists)
            {
                var body = new StringBuilder(options.ListSize * 24);
                body.Append($"{{\"type\":\"followers\",\"accountId\":\"{prefix}acct{list}\",\"at\":\"2026-01-01T00:00:00Z\",\"followerIds\":[");
                for (var i = 0; i < options.ListSize; i++)
                {
                    body.Append(i == 0 ? "\"" : ",\"").Append(prefix).Append('f').Append(((long)list * stride) + i).Append('"');
                }

                for (var k = 1; k <= FollowingNext; k++)
                {
                    body.Append(",\"").Append(prefix).Append("acct").Append(list + k).Append('"');
                }

                body.Append("]}\n");
                var started = Stopwatch.GetTimestamp();
                await PostAsync(http, Encoding.UTF8.GetBytes(body.ToString()));
                latencies[list] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var ids = (long)options.FollowerLists * (options.ListSize + FollowingNext);
        Array.Sort(latencies);
        Console.WriteLine($"imported {ids:N0} follower ids in {seconds:N2} s: {ids / seconds:N0} ids/s; request p50 {latencies[latencies.Length / 2]:N0} ms, max {latencies[^1]:N0} ms");

        if (options.ThenCascade)
        {
            var events = new StringBuilder();
            events.Append($"{{\"type\":\"post\",\"postId\":\"{prefix}root\",\"accountId\":\"{prefix}acct0\",\"at\":\"2026-02-01T00:00:00Z\"}}\n");
            for (var r = 1; r < options.FollowerLists; r++)
            {
                var at = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(r).ToString("O");
                events.Append($"{{\"type\":\"repost\",\"postId\":\"{prefix}repost{r}\",\"rootPostId\":\"{prefix}root\",\"accountId\":\"{prefix}acct{r}\",\"at\":\"{at}\"}}\n");
            }

            // Below Reach:LargeCascadeNodes a cascade whose reposts need attribution is analysed as part of
            // the ingest request (for its author's summary); the reads then find the analysis done.
            var posted = Stopwatch.GetTimestamp();
            await PostAsync(http, Encoding.UTF8.GetBytes(events.ToString()));
            Console.WriteLine($"cascade of {options.FollowerLists - 1:N0} reposts posted and analysed in {Stopwatch.GetElapsedTime(posted).TotalMilliseconds:N0} ms");
            for (var read = 1; read <= 3; read++)
            {
                var started = Stopwatch.GetTimestamp();
                var metrics = JsonNode.Parse(await http.GetStringAsync($"/v1/posts/{prefix}root/metrics"))!;
                Console.WriteLine($"metrics read {read}: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:N0} ms: reach {metrics["reach"]} ({metrics["reachMethod"]}, exactly {distinct:N0}), multiplier {metrics["multiplier"]}, attribution {metrics["attribution"]!.ToJsonString()}");
                if (read == 2)
                {
                    // One more repost: the next read analyses again, with the sets' intersections already known.
                    posted = Stopwatch.GetTimestamp();
                    await PostAsync(http, Encoding.UTF8.GetBytes($"{{\"type\":\"repost\",\"postId\":\"{prefix}late\",\"rootPostId\":\"{prefix}root\",\"accountId\":\"{prefix}acct1\",\"at\":\"2026-03-01T00:00:00Z\"}}\n"));
                    Console.WriteLine($"one more repost posted and the cascade analysed again in {Stopwatch.GetElapsedTime(posted).TotalMilliseconds:N0} ms");
                }
            }
        }

        return 0;
    }

    private static async Task PostAsync(HttpClient http, byte[] ndjson)
    {
        using var content = LoadHttp.Ndjson(ndjson);
        using var response = await http.PostAsync("/v1/events", content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
