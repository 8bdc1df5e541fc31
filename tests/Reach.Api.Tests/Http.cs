using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reach.Analysis.Events;

namespace Reach.Api.Tests;

internal static class Http
{
    public static async Task<HttpResponseMessage> PostNdjsonAsync(this HttpClient client, string ndjson, string query = "")
    {
        var content = new StringContent(ndjson, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return await client.PostAsync("/v1/events" + query, content, TestContext.Current.CancellationToken);
    }

    /// <summary>Posts an NDJSON batch as bytes, as a client streaming a file would.</summary>
    public static async Task<HttpResponseMessage> PostNdjsonAsync(this HttpClient client, byte[] ndjson)
    {
        var content = new ByteArrayContent(ndjson);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return await client.PostAsync("/v1/events", content, TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> PostEventsAsync(this HttpClient client, IEnumerable<ReachEvent> events, string query = "") =>
        client.PostNdjsonAsync(Encoding.UTF8.GetString(EventWriter.ToNdjson(events)), query);

    /// <summary>Posts events and asserts the batch was taken.</summary>
    public static async Task<JsonNode> IngestAsync(this HttpClient client, IEnumerable<ReachEvent> events)
    {
        using var response = await client.PostEventsAsync(events);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        var report = JsonNode.Parse(body)!;
        AssertEveryLineCounted(report);
        return report;
    }

    /// <summary>Every line of a batch is counted exactly once in its report.</summary>
    public static void AssertEveryLineCounted(JsonNode report) =>
        Assert.Equal(
            report["received"]!.GetValue<int>(),
            report["accepted"]!.GetValue<int>() + report["duplicates"]!.GetValue<int>()
                + report["conflicts"]!.AsArray().Count + report["rejected"]!.AsArray().Count);

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Reads a problem-details response and checks its status and content type.</summary>
    public static async Task<JsonNode> ProblemAsync(this HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        return problem;
    }

    public static string Escape(string id) => Uri.EscapeDataString(id);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}

/// <summary>Events of the neutral format, built by name.</summary>
internal static class Ev
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);

    public static long At(double minutes) => T0.AddMinutes(minutes).UtcTicks;

    public static ReachEvent Post(string id, string account, double minutes = 0, string[]? tags = null) =>
        new() { Type = EventType.Post, PostId = id, AccountId = account, At = At(minutes), Tags = tags };

    public static ReachEvent Repost(string id, string account, string root, string? parent, double minutes) =>
        new() { Type = EventType.Repost, PostId = id, AccountId = account, RootPostId = root, ParentPostId = parent, At = At(minutes) };

    public static ReachEvent Quote(string id, string account, string quoted, double minutes) =>
        new() { Type = EventType.Quote, PostId = id, AccountId = account, QuotedPostId = quoted, At = At(minutes) };

    public static ReachEvent Reply(string id, string account, string parent, double minutes) =>
        new() { Type = EventType.Reply, PostId = id, AccountId = account, ParentPostId = parent, At = At(minutes) };

    public static ReachEvent Like(string account, string post, double minutes) =>
        new() { Type = EventType.Like, AccountId = account, PostId = post, At = At(minutes) };

    public static ReachEvent Account(string account, long followers, double minutes = 0, string? handle = null) =>
        new() { Type = EventType.Account, AccountId = account, Followers = followers, Handle = handle, At = At(minutes) };

    public static ReachEvent Impressions(string post, long count, double minutes) =>
        new() { Type = EventType.Impressions, PostId = post, Count = count, At = At(minutes) };

    public static ReachEvent Follow(string follower, string followed, double minutes) =>
        new() { Type = EventType.Follow, AccountId = follower, TargetId = followed, At = At(minutes) };

    public static ReachEvent Unfollow(string follower, string followed, double minutes) =>
        new() { Type = EventType.Unfollow, AccountId = follower, TargetId = followed, At = At(minutes) };

    public static ReachEvent Followers(string account, string[] followers, double minutes) =>
        new() { Type = EventType.Followers, AccountId = account, FollowerIds = followers, At = At(minutes) };
}
