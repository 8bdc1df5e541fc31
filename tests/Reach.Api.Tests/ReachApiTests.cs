using Reach.Analysis.Events;

namespace Reach.Api.Tests;

public sealed class ReachApiTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    /// <summary>
    /// au posts p at minute 0 with followers {x, y, c}. b reposts at 1 (no parent named) with
    /// followers {y, w, v}; c reposts at 2 with followers {w, u}; d reposts at 3 with followers {c, e}.
    /// Worked by hand:
    /// - attribution: b follows nobody in the cascade → root (fallback); c follows au → under p
    ///   (inferred); d follows nobody in the cascade (c follows d, not the other way) → root.
    /// - reached: {x, y, c} ∪ {w, v} ∪ {u} ∪ {e} = 7; earned 7 − 3 = 4; multiplier 7/3; earned share 4/7.
    /// - marginal reach: b 2 (w, v), c 1 (u), d 1 (e).
    /// - strangers: b and d neither follow au nor are followed by au; c follows au: 2 of 3.
    /// - exposure 3 + 3 + 2 + 2 = 10, frequency 10/7.
    /// </summary>
    private static List<ReachEvent> Cascade(string x) =>
    [
        Ev.Post(x + "p", x + "au", 0),
        Ev.Repost(x + "rb", x + "b", x + "p", null, 1),
        Ev.Repost(x + "rc", x + "c", x + "p", null, 2),
        Ev.Repost(x + "rd", x + "d", x + "p", null, 3),
    ];

    private static List<ReachEvent> FollowerGraph(string x) =>
    [
        Ev.Followers(x + "au", [x + "x", x + "y", x + "c"], -10),
        Ev.Followers(x + "b", [x + "y", x + "w", x + "v"], -10),
        Ev.Followers(x + "c", [x + "w", x + "u"], -10),
        Ev.Followers(x + "d", [x + "c", x + "e"], -10),
    ];

    [Fact]
    public async Task Post_metrics_give_the_hand_worked_reach_multiplier_and_shares()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([.. FollowerGraph(x), .. Cascade(x)]);

        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");

        Assert.Equal(7, metrics["reach"]!.GetValue<long>());
        Assert.Equal("exact", metrics["reachMethod"]!.GetValue<string>());
        Assert.Equal(0, metrics["reachRelativeError"]!.GetValue<double>());
        Assert.False(metrics["reachIsUpperBound"]!.GetValue<bool>());
        Assert.Equal(4, metrics["earnedReach"]!.GetValue<long>());
        Assert.Equal(7.0 / 3, metrics["multiplier"]!.GetValue<double>(), 12);
        Assert.Equal(4.0 / 7, metrics["earnedShare"]!.GetValue<double>(), 12);
        Assert.Equal(2.0 / 3, metrics["strangerShare"]!.GetValue<double>(), 12);
        Assert.Equal(10.0 / 7, metrics["frequency"]!.GetValue<double>(), 12);
        Assert.Equal("""{"explicit":0,"inferred":1,"root":2}""", metrics["attribution"]!.ToJsonString());
    }

    [Fact]
    public async Task Follows_that_arrive_after_the_reposts_change_everything_as_if_they_had_come_first()
    {
        var (first, last) = (Ids.Unique(), Ids.Unique());
        await _client.IngestAsync([.. FollowerGraph(first), .. Cascade(first), Ev.Follow(first + "d", first + "c", -5)]);

        await _client.IngestAsync(Cascade(last));
        var before = await _client.GetJsonAsync($"/v1/posts/{last}p/metrics");
        await _client.IngestAsync([.. FollowerGraph(last), Ev.Follow(last + "d", last + "c", -5)]);

        Assert.Null(before["reach"]);
        foreach (var read in new[] { "metrics", "cascade", "amplifiers?top=10", "timeline?bucket=1m" })
        {
            var expected = await _client.GetJsonAsync($"/v1/posts/{first}p/{read}");
            var actual = await _client.GetJsonAsync($"/v1/posts/{last}p/{read}");
            Assert.Equal(expected.ToJsonString().Replace(first, "~"), actual.ToJsonString().Replace(last, "~"));
        }

        // d now follows c: its repost hangs under c's.
        var edges = (await _client.GetJsonAsync($"/v1/posts/{last}p/cascade"))["edges"]!.AsArray();
        var intoD = edges.Single(e => e!["target"]!.GetValue<string>() == last + "rd")!;
        Assert.Equal((last + "rc", "inferred"), (intoD["source"]!.GetValue<string>(), intoD["attribution"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_authors_account_metrics_follow_a_re_attribution_without_any_read_of_the_post()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([.. FollowerGraph(x), .. Cascade(x)]);
        var before = await _client.GetJsonAsync($"/v1/accounts/{x}au/metrics");

        // d follows c: rd moves under rc, a chain p → rc → rd beside rb: ν goes from 1.5 (star of 3) to 5/3.
        await _client.IngestAsync([Ev.Follow(x + "d", x + "c", -5)]);
        var after = await _client.GetJsonAsync($"/v1/accounts/{x}au/metrics");

        Assert.Equal(1.5, before["maxStructuralVirality"]!.GetValue<double>(), 12);
        Assert.Equal(5.0 / 3, after["maxStructuralVirality"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task Concurrent_batches_of_reposts_without_parents_into_one_cascade_end_as_one_sequential_ingest()
    {
        var (sequential, concurrent) = (Ids.Unique(), Ids.Unique());
        List<ReachEvent> Events(string x)
        {
            var events = new List<ReachEvent> { Ev.Post(x + "p", x + "au", 0), Ev.Followers(x + "au", [.. Enumerable.Range(0, 50).Select(i => $"{x}a{i}")], -10) };
            for (var i = 0; i < 400; i++)
            {
                events.Add(Ev.Repost($"{x}r{i}", $"{x}a{i}", x + "p", null, 1 + (i / 10.0)));
                events.Add(Ev.Followers($"{x}a{i}", [$"{x}a{i + 1}", $"{x}a{i + 7}", $"{x}f{i}"], -10));
                events.Add(Ev.Account($"{x}a{i}", 100 + i, -10));
            }

            return events;
        }

        await _client.IngestAsync(Events(sequential));
        var root = Events(concurrent);
        await _client.IngestAsync(root.Take(2));
        await Task.WhenAll(root.Skip(2).Chunk(20).Select(chunk => _client.IngestAsync(chunk)));

        Assert.Equal(
            (await _client.GetJsonAsync($"/v1/posts/{sequential}p/metrics")).ToJsonString().Replace(sequential, "~"),
            (await _client.GetJsonAsync($"/v1/posts/{concurrent}p/metrics")).ToJsonString().Replace(concurrent, "~"));
        Assert.Equal(await EdgesAsync(sequential), await EdgesAsync(concurrent));
    }

    /// <summary>The cascade's edges, ids without the test's prefix, in a canonical order (arrival order is not part of a cascade).</summary>
    private async Task<List<string>> EdgesAsync(string x) =>
        [.. (await _client.GetJsonAsync($"/v1/posts/{x}p/cascade"))["edges"]!.AsArray()
            .Select(e => $"{e!["source"]}->{e["target"]}:{e["attribution"]}".Replace(x, "~"))
            .Order(StringComparer.Ordinal)];

    [Fact]
    public async Task An_unfollow_takes_a_follower_out_of_reach_and_out_of_attribution()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([.. FollowerGraph(x), .. Cascade(x)]);
        await _client.IngestAsync([Ev.Unfollow(x + "c", x + "au", -1), Ev.Unfollow(x + "e", x + "d", -1)]);

        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");

        // F(au) = {x, y}, F(d) = {c}: reached {x, y} ∪ {w, v} ∪ {u} ∪ {c} = 6; c no longer follows au.
        Assert.Equal(6, metrics["reach"]!.GetValue<long>());
        Assert.Equal(3.0, metrics["multiplier"]!.GetValue<double>(), 12);
        Assert.Equal(1.0, metrics["strangerShare"]!.GetValue<double>(), 12);
        Assert.Equal("""{"explicit":0,"inferred":0,"root":3}""", metrics["attribution"]!.ToJsonString());
    }

    [Fact]
    public async Task Amplifiers_list_marginal_reach_downstream_and_follower_counts()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([.. FollowerGraph(x), .. Cascade(x), Ev.Repost(x + "rd2", x + "e", x + "p", x + "rd", 4), Ev.Account(x + "b", 1000)]);

        var byReach = await _client.GetJsonAsync($"/v1/posts/{x}p/amplifiers?top=2");
        var byDownstream = await _client.GetJsonAsync($"/v1/posts/{x}p/amplifiers?by=downstream&top=1");

        var top = byReach["amplifiers"]!.AsArray();
        Assert.Equal(2, top.Count);
        Assert.Equal((x + "rb", 2L, 0, 1000L), (top[0]!["postId"]!.GetValue<string>(), top[0]!["marginalReach"]!.GetValue<long>(), top[0]!["downstream"]!.GetValue<int>(), top[0]!["followers"]!.GetValue<long>()));

        // c and d both add one follower; d (its repost came through) ranks first on the tie.
        Assert.Equal((x + "rd", 1L, 1), (top[1]!["postId"]!.GetValue<string>(), top[1]!["marginalReach"]!.GetValue<long>(), top[1]!["downstream"]!.GetValue<int>()));
        Assert.Equal(x + "rd", byDownstream["amplifiers"]![0]!["postId"]!.GetValue<string>());
        Assert.Equal("exact", byReach["reachMethod"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("top=0")]
    [InlineData("top=1001")]
    [InlineData("top=many")]
    [InlineData("by=likes")]
    public async Task Amplifiers_refuse_a_bad_query_with_a_problem_naming_it(string query)
    {
        var x = Ids.Unique();
        await _client.IngestAsync(Cascade(x));

        using var response = await _client.GetAsync($"/v1/posts/{x}p/amplifiers?{query}", TestContext.Current.CancellationToken);

        var problem = await response.ProblemAsync(400);
        Assert.Contains(query.Split('=')[0], problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_timeline_shows_reach_growing_bucket_by_bucket()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([.. FollowerGraph(x), .. Cascade(x)]);

        var timeline = await _client.GetJsonAsync($"/v1/posts/{x}p/timeline?bucket=1m");

        Assert.Equal([3L, 5L, 6L, 7L], timeline["buckets"]!.AsArray().Select(b => b!["reach"]!.GetValue<long>()));
    }

    [Fact]
    public async Task A_bulk_follower_list_of_a_hundred_thousand_ids_is_taken_whole()
    {
        var x = Ids.Unique();
        var followers = Enumerable.Range(0, 100_000).Select(i => $"{x}f{i}").ToArray();
        await _client.IngestAsync([Ev.Followers(x + "au", followers, -10), Ev.Post(x + "p", x + "au", 0)]);
        await _client.IngestAsync([Ev.Followers(x + "b", [.. followers.Take(10), x + "new"], -10), Ev.Repost(x + "rb", x + "b", x + "p", null, 1)]);

        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");
        var account = await _client.GetJsonAsync($"/v1/accounts/{x}au/metrics");

        Assert.Equal(100_001, metrics["reach"]!.GetValue<long>());
        Assert.Equal(1, metrics["earnedReach"]!.GetValue<long>());
        Assert.Equal(100_000, account["knownFollowers"]!.GetValue<long>());
    }
}
