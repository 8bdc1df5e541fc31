using System.Net.Http.Json;

namespace Reach.Api.Tests;

/// <summary>Reach beyond the exact limit, through the grains: sketches of large follower sets.</summary>
public sealed class ReachLimitTests(ReachLimitHost host) : IClassFixture<ReachLimitHost>
{
    private readonly HttpClient _client = host.CreateClient();

    [Fact]
    public async Task Beyond_the_exact_limit_reach_is_a_hyperloglog_estimate_within_three_standard_errors()
    {
        var x = Ids.Unique();
        var lists = Enumerable.Range(0, 4).Select(a => Enumerable.Range(0, 3_000).Select(i => $"{x}a{a}f{i}").ToArray()).ToArray();
        await _client.IngestAsync(
        [
            Ev.Followers(x + "au", lists[0], -10),
            Ev.Followers(x + "b", lists[1], -10),
            Ev.Followers(x + "c", lists[2], -10),
            Ev.Followers(x + "d", [.. lists[3], .. lists[0][..500]], -10),
            Ev.Post(x + "p", x + "au", 0),
            Ev.Repost(x + "rb", x + "b", x + "p", null, 1),
            Ev.Repost(x + "rc", x + "c", x + "p", null, 2),
            Ev.Repost(x + "rd", x + "d", x + "p", null, 3),
        ]);

        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");

        const double distinct = 12_000;
        var error = metrics["reachRelativeError"]!.GetValue<double>();
        Assert.Equal("hll", metrics["reachMethod"]!.GetValue<string>());
        Assert.Equal(1.04 / Math.Sqrt(16384), error, 12);
        Assert.InRange(metrics["reach"]!.GetValue<long>(), distinct * (1 - (3 * error)), distinct * (1 + (3 * error)));
        Assert.InRange(metrics["multiplier"]!.GetValue<double>(), 4 * (1 - (3 * error)), 4 * (1 + (3 * error)));
    }

    [Fact]
    public async Task Large_sets_that_overlap_within_the_limit_are_still_counted_exactly()
    {
        var x = Ids.Unique();
        var shared = Enumerable.Range(0, 3_000).Select(i => $"{x}f{i}").ToArray();
        await _client.IngestAsync(
        [
            Ev.Followers(x + "au", shared, -10),
            Ev.Followers(x + "b", [.. shared, x + "extra"], -10),
            Ev.Post(x + "p", x + "au", 0),
            Ev.Repost(x + "rb", x + "b", x + "p", null, 1),
        ]);

        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");

        Assert.Equal("exact", metrics["reachMethod"]!.GetValue<string>());
        Assert.Equal(3_001, metrics["reach"]!.GetValue<long>());
        Assert.Equal(1, metrics["earnedReach"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_campaign_whose_large_audiences_overlap_within_the_limit_is_counted_exactly()
    {
        var x = Ids.Unique();
        var shared = Enumerable.Range(0, 3_000).Select(i => $"{x}f{i}").ToArray();
        await _client.IngestAsync(
        [
            Ev.Followers(x + "a", shared, -10),
            Ev.Followers(x + "b", [.. shared, x + "extra"], -10),
            Ev.Post(x + "P1", x + "a", 0),
            Ev.Post(x + "P2", x + "b", 1),
        ]);
        using var defined = await _client.PutAsJsonAsync($"/v1/campaigns/{x}c", new { posts = new[] { x + "P1", x + "P2" } }, TestContext.Current.CancellationToken);
        Assert.True(defined.IsSuccessStatusCode);

        var metrics = await _client.GetJsonAsync($"/v1/campaigns/{x}c/metrics");

        Assert.Equal("exact", metrics["reachMethod"]!.GetValue<string>());
        Assert.Equal(3_001, metrics["reach"]!.GetValue<long>());
        Assert.Equal(3_000, metrics["overlap"]![0]!["shared"]!.GetValue<long>());
    }
}
