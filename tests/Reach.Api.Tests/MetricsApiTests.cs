using System.Text.Json.Nodes;
using Reach.Analysis.Events;

namespace Reach.Api.Tests;

public sealed class MetricsApiTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    /// <summary>
    /// p ─ r1 ─ r2          q quotes r1, so it sits under r1 in p's cascade and roots its own.
    ///  │    └ q ─(own cascade) rq
    ///  └ r3
    /// Pairs of p's cascade sum to 18 over 10 pairs: ν = 1.8.
    /// </summary>
    private static List<ReachEvent> Scenario(string x) =>
    [
        Ev.Post(x + "p", x + "au", 0),
        Ev.Repost(x + "r1", x + "A", x + "p", x + "p", 1),
        Ev.Repost(x + "r2", x + "B", x + "p", x + "r1", 2),
        Ev.Repost(x + "r3", x + "C", x + "p", null, 3),
        Ev.Quote(x + "q", x + "D", x + "r1", 4),
        Ev.Repost(x + "rq", x + "E", x + "q", null, 5),
        Ev.Like(x + "L1", x + "p", 6),
        Ev.Like(x + "L2", x + "r2", 6),
        Ev.Like(x + "L1", x + "r2", 6),
        Ev.Like(x + "L3", x + "q", 6),
        Ev.Reply(x + "y1", x + "F", x + "r2", 7),
        Ev.Reply(x + "y2", x + "G", x + "y1", 8),
        Ev.Reply(x + "y3", x + "H", x + "rq", 8),
        Ev.Reply(x + "y4", x + "H", x + "q", 9),
        Ev.Account(x + "au", 300),
        Ev.Account(x + "A", 10),
        Ev.Account(x + "B", 20),
        Ev.Account(x + "D", 5),
        Ev.Impressions(x + "p", 5000, 10),
        Ev.Impressions(x + "p", 4000, 5),
    ];

    [Fact]
    public async Task Metrics_of_a_small_cascade_match_the_hand_computed_values_whatever_the_arrival_order()
    {
        var x = Ids.Unique();
        var events = Scenario(x).ToArray();
        new Random(11).Shuffle(events);
        foreach (var e in events)
        {
            await _client.IngestAsync([e]);
        }

        var m = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");

        Assert.Equal(5, m["size"]!.GetValue<int>());
        Assert.Equal(4, m["reposts"]!.GetValue<int>());
        Assert.Equal(5, m["participants"]!.GetValue<int>());
        Assert.Equal(2, m["depth"]!.GetValue<int>());
        Assert.Equal(2, m["maxBreadth"]!.GetValue<int>());
        Assert.Equal(1.8, m["structuralVirality"]!.GetValue<double>(), 12);
        Assert.Equal(0.5, m["largestBroadcastShare"]!.GetValue<double>(), 12);
        Assert.Equal(2.0, m["meanOffspring"]!.GetValue<double>(), 12);
        Assert.Equal(4, m["likes"]!.GetValue<int>());
        Assert.Equal(3, m["replies"]!.GetValue<int>());
        Assert.Equal(1, m["quotes"]!.GetValue<int>());
        Assert.Equal(60.0, m["timeToReposts"]!["1"]!.GetValue<double>());
        Assert.Null(m["timeToReposts"]!["10"]);
        Assert.Equal(120.0, m["halfLifeSeconds"]!.GetValue<double>());
        Assert.Equal(4, m["velocityPerHour"]!.GetValue<int>());
        Assert.Equal(300, m["authorAudience"]!.GetValue<long>());
        Assert.Equal(335, m["exposure"]!.GetValue<long>());
        Assert.Equal(5000, m["impressions"]!.GetValue<long>());

        var quote = await _client.GetJsonAsync($"/v1/posts/{x}q/metrics");
        Assert.Equal(2, quote["size"]!.GetValue<int>());
        Assert.Equal(1, quote["likes"]!.GetValue<int>());
        Assert.Equal(2, quote["replies"]!.GetValue<int>());
    }

    [Fact]
    public async Task Shuffled_batches_end_in_the_same_metrics_as_one_ordered_batch()
    {
        var ordered = Ids.Unique();
        var shuffled = Ids.Unique();
        await _client.IngestAsync(Scenario(ordered));
        var events = Scenario(shuffled).ToArray();
        new Random(5).Shuffle(events);
        foreach (var chunk in events.Chunk(3))
        {
            await _client.IngestAsync(chunk);
        }

        foreach (var post in new[] { "p", "q" })
        {
            var expected = Normalise(await _client.GetJsonAsync($"/v1/posts/{ordered}{post}/metrics"), ordered);
            var actual = Normalise(await _client.GetJsonAsync($"/v1/posts/{shuffled}{post}/metrics"), shuffled);
            Assert.Equal(expected, actual);
        }

        var expectedAuthor = Normalise(await _client.GetJsonAsync($"/v1/accounts/{ordered}au/metrics"), ordered);
        Assert.Equal(expectedAuthor, Normalise(await _client.GetJsonAsync($"/v1/accounts/{shuffled}au/metrics"), shuffled));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_like_of_a_reply_is_not_a_like_of_the_cascade(bool likeFirst)
    {
        var x = Ids.Unique();
        ReachEvent[] cascade = [Ev.Post(x + "p", x + "au"), Ev.Repost(x + "r", x + "A", x + "p", null, 1), Ev.Reply(x + "y", x + "B", x + "r", 2)];
        ReachEvent[] likes = [Ev.Like(x + "C", x + "y", 3), Ev.Like(x + "C", x + "r", 3)];

        await _client.IngestAsync(likeFirst ? likes : cascade);
        await _client.IngestAsync(likeFirst ? cascade : likes);

        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");
        Assert.Equal(1, metrics["likes"]!.GetValue<int>());
        Assert.Equal(1, metrics["replies"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_long_chain_of_replies_in_one_batch_counts_every_reply()
    {
        var x = Ids.Unique();
        var events = new List<ReachEvent> { Ev.Post(x + "p", x + "au") };
        events.AddRange(Enumerable.Range(1, 60).Select(i => Ev.Reply($"{x}y{i}", $"{x}u{i}", i == 1 ? x + "p" : $"{x}y{i - 1}", i)));
        events.Reverse();

        await _client.IngestAsync(events);

        Assert.Equal(60, (await _client.GetJsonAsync($"/v1/posts/{x}p/metrics"))["replies"]!.GetValue<int>());
    }

    [Fact]
    public async Task Account_metrics_sum_the_accounts_posts_and_reposts()
    {
        var x = Ids.Unique();
        await _client.IngestAsync(Scenario(x));
        await _client.IngestAsync([Ev.Post(x + "p2", x + "au", 20), Ev.Repost(x + "p2r", x + "A", x + "p2", null, 21)]);

        var author = await _client.GetJsonAsync($"/v1/accounts/{x}au/metrics");
        Assert.Equal(2, author["posts"]!.GetValue<int>());
        Assert.Equal(5, author["repostsReceived"]!.GetValue<long>());
        Assert.Equal(300, author["followers"]!.GetValue<long>());
        Assert.Equal((1.8 + 1.0) / 2, author["meanStructuralVirality"]!.GetValue<double>(), 12);
        Assert.Equal(1.8, author["maxStructuralVirality"]!.GetValue<double>(), 12);

        var reposter = await _client.GetJsonAsync($"/v1/accounts/{x}A/metrics");
        Assert.Equal(2, reposter["repostsMade"]!.GetValue<int>());
        Assert.Equal(0, reposter["posts"]!.GetValue<int>());
    }

    [Fact]
    public async Task Follower_counts_come_from_the_follower_graph_when_no_profile_gives_one()
    {
        var x = Ids.Unique();
        await _client.IngestAsync(
        [
            Ev.Followers(x + "a", [x + "f1", x + "f2", x + "f3"], 10),
            Ev.Follow(x + "f4", x + "a", 11),
            Ev.Unfollow(x + "f1", x + "a", 12),
            Ev.Follow(x + "f2", x + "a", 5), // older than the list: the list stands
            Ev.Unfollow(x + "f5", x + "a", 13),
        ]);

        var account = await _client.GetJsonAsync($"/v1/accounts/{x}a/metrics");

        Assert.Equal(3, account["followers"]!.GetValue<long>()); // f2 f3 f4
        Assert.Equal(3, account["knownFollowers"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_post_that_has_not_arrived_answers_404_saying_how_many_events_wait_for_it()
    {
        var x = Ids.Unique();
        await _client.IngestAsync(
        [
            Ev.Repost(x + "r1", x + "A", x + "p", null, 1), Ev.Repost(x + "r2", x + "B", x + "p", x + "r1", 2),
            Ev.Like(x + "L", x + "p", 3), Ev.Reply(x + "y", x + "C", x + "p", 4), Ev.Impressions(x + "p", 10, 5),
        ]);

        using var response = await _client.GetAsync($"/v1/posts/{x}p/metrics", TestContext.Current.CancellationToken);
        var problem = await response.ProblemAsync(404);

        Assert.Equal(5, problem["waitingEvents"]!.GetValue<long>());
        Assert.Contains("5 events are waiting", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/posts/{0}nothing/metrics")]
    [InlineData("/v1/posts/{0}nothing/cascade")]
    [InlineData("/v1/posts/{0}nothing/timeline")]
    [InlineData("/v1/accounts/{0}nobody/metrics")]
    public async Task Unknown_ids_answer_404_problem_details(string template)
    {
        var prefix = Ids.Unique();
        using var response = await _client.GetAsync(string.Format(template, prefix), TestContext.Current.CancellationToken);

        var problem = await response.ProblemAsync(404);
        Assert.Contains(prefix, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_id_longer_than_128_characters_in_a_route_is_a_validation_problem()
    {
        using var response = await _client.GetAsync($"/v1/posts/{new string('x', 129)}/metrics", TestContext.Current.CancellationToken);

        var problem = await response.ProblemAsync(400);
        Assert.NotNull(problem["errors"]!["postId"]);
    }

    private static string Normalise(JsonNode node, string prefix) => node.ToJsonString().Replace(prefix, "", StringComparison.Ordinal);
}
