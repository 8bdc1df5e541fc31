using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Reach.Analysis.Events;

namespace Reach.Api.Tests;

public sealed class CampaignApiTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    /// <summary>
    /// The brand (group official) posts P1 at minute 0 tagged {x}launch; employee e1 (advocates) posts
    /// P2 at 10 tagged the same. Fan a reposts P1 at 5, fan b reposts P2 at 20, employee e2
    /// (advocates) reposts P1 at 30. F(brand) = {x, y, z}, F(e1) = {y, w}, F(a) = {z, q},
    /// F(b) = {w, v}, F(e2) = {u}. By hand: reach 7, authors' audience 4, earned 3, multiplier 7/4;
    /// official 3, advocates {y, w, u} = 3; P1 reaches 5, P2 3, sharing y.
    /// </summary>
    private static List<ReachEvent> Events(string x) =>
    [
        Ev.Followers(x + "brand", [x + "x", x + "y", x + "z"], -60),
        Ev.Followers(x + "e1", [x + "y", x + "w"], -60),
        Ev.Followers(x + "a", [x + "z", x + "q"], -60),
        Ev.Followers(x + "b", [x + "w", x + "v"], -60),
        Ev.Followers(x + "e2", [x + "u"], -60),
        Ev.Post(x + "P1", x + "brand", 0, [x + "launch"]),
        Ev.Post(x + "P2", x + "e1", 10, [x + "launch"]),
        Ev.Repost(x + "r1", x + "a", x + "P1", null, 5),
        Ev.Repost(x + "r2", x + "b", x + "P2", null, 20),
        Ev.Repost(x + "r3", x + "e2", x + "P1", null, 30),
        Ev.Post(x + "other", x + "brand", 40, ["unrelated"]),
    ];

    private async Task DefineGroupsAsync(string x)
    {
        await PutAsync($"/v1/groups/{x}official", new { accountIds = new[] { x + "brand" } }, HttpStatusCode.Created);
        await PutAsync($"/v1/groups/{x}advocates", new { accountIds = new[] { x + "e1", x + "e2" } }, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Campaign_metrics_deduplicate_reach_across_posts_and_break_it_down_by_group()
    {
        var x = Ids.Unique();
        await _client.IngestAsync(Events(x));
        await DefineGroupsAsync(x);
        await PutAsync($"/v1/campaigns/{x}c", new { name = "Launch", posts = new[] { x + "P1", x + "P2" } }, HttpStatusCode.Created);

        var metrics = await _client.GetJsonAsync($"/v1/campaigns/{x}c/metrics?bucket=10m");

        Assert.Equal((2, 3, 5), (metrics["posts"]!.GetValue<int>(), metrics["reposts"]!.GetValue<int>(), metrics["participants"]!.GetValue<int>()));
        Assert.Equal(7, metrics["reach"]!.GetValue<long>());
        Assert.Equal("exact", metrics["reachMethod"]!.GetValue<string>());
        Assert.Equal((4L, 3L), (metrics["authorsAudience"]!.GetValue<long>(), metrics["earnedReach"]!.GetValue<long>()));
        Assert.Equal(7.0 / 4, metrics["multiplier"]!.GetValue<double>(), 12);
        Assert.Equal(10, metrics["exposure"]!.GetValue<long>());
        var groups = metrics["reachByGroup"]!.AsArray().ToDictionary(g => g!["group"]!.GetValue<string>()[x.Length..], g => g!["reach"]!.GetValue<long>());
        Assert.Equal(new Dictionary<string, long> { ["advocates"] = 3, ["official"] = 3 }, groups);
        Assert.Equal([5L, 3L], metrics["topPosts"]!.AsArray().Select(p => p!["reach"]!.GetValue<long>()));
        Assert.Equal(1, metrics["overlap"]![0]!["shared"]!.GetValue<long>());
        Assert.Equal([4L, 5L, 6L, 7L], metrics["timeline"]!.AsArray().Select(b => b!["reach"]!.GetValue<long>()));
    }

    [Fact]
    public async Task A_rule_takes_the_matching_posts_already_stored_and_those_ingested_later()
    {
        var x = Ids.Unique();
        var events = Events(x);
        await _client.IngestAsync(events.Where(e => e.PostId != x + "P2"));
        await DefineGroupsAsync(x);

        var defined = await PutAsync($"/v1/campaigns/{x}c", new { rule = new { tags = new[] { x + "launch" } } }, HttpStatusCode.Created);
        Assert.Equal([x + "P1"], defined["posts"]!.AsArray().Select(p => p!.GetValue<string>()));

        await _client.IngestAsync(events.Where(e => e.PostId == x + "P2"));
        var campaign = await _client.GetJsonAsync($"/v1/campaigns/{x}c");
        Assert.Equal([x + "P1", x + "P2"], campaign["posts"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task A_rule_on_a_group_and_a_time_window_takes_only_the_groups_posts_inside_it()
    {
        var x = Ids.Unique();
        await _client.IngestAsync(Events(x));
        await DefineGroupsAsync(x);

        var defined = await PutAsync(
            $"/v1/campaigns/{x}c",
            new { rule = new { groups = new[] { x + "official" }, from = Ev.T0.AddMinutes(-1), to = Ev.T0.AddMinutes(30) } },
            HttpStatusCode.Created);
        Assert.Equal([x + "P1"], defined["posts"]!.AsArray().Select(p => p!.GetValue<string>()));

        await _client.IngestAsync([Ev.Post(x + "P3", x + "brand", 20), Ev.Post(x + "P4", x + "brand", 50), Ev.Post(x + "P5", x + "e1", 20)]);
        var campaign = await _client.GetJsonAsync($"/v1/campaigns/{x}c");
        Assert.Equal([x + "P1", x + "P3"], campaign["posts"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Theory]
    [InlineData("{}", "posts")]
    [InlineData("""{"rule":{"from":"2026-01-01T00:00:00Z"}}""", "rule")]
    [InlineData("""{"rule":{"tags":["a"],"from":"2026-01-02T00:00:00Z","to":"2026-01-01T00:00:00Z"}}""", "rule.to")]
    [InlineData("""{"rule":{"groups":["no-such-group"]}}""", "rule.groups")]
    public async Task A_campaign_definition_that_cannot_work_is_refused_with_a_problem_naming_the_field(string body, string field)
    {
        var x = Ids.Unique();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _client.PutAsync($"/v1/campaigns/{x}c", content, TestContext.Current.CancellationToken);

        var problem = await response.ProblemAsync(400);
        Assert.NotNull(problem["errors"]![field]);
        using var missing = await _client.GetAsync($"/v1/campaigns/{x}c/metrics", TestContext.Current.CancellationToken);
        await missing.ProblemAsync(404);
    }

    private async Task<JsonNode> PutAsync(string path, object body, HttpStatusCode expected)
    {
        using var response = await _client.PutAsJsonAsync(path, body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
