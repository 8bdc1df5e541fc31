using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Reach.Analysis.Events;
using Reach.Analysis.Synthetic;
using Reach.Api.Sample;
using Reach.Grains;

namespace Reach.Api.Tests;

public sealed class HostApiTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    [Fact]
    public async Task The_openapi_document_describes_every_route()
    {
        var document = await _client.GetJsonAsync("/openapi/v1.json");

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/v1/events", paths);
        Assert.Contains("/v1/posts/{postId}/metrics", paths);
        Assert.Contains("/v1/posts/{postId}/cascade", paths);
        Assert.Contains("/v1/posts/{postId}/timeline", paths);
        Assert.Contains("/v1/accounts/{accountId}/metrics", paths);
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in item!.AsObject())
            {
                Assert.False(string.IsNullOrEmpty(operation!["summary"]?.GetValue<string>()), $"{path} has no summary");
                Assert.False(string.IsNullOrEmpty(operation["operationId"]?.GetValue<string>()), $"{path} has no operation id");
            }
        }
    }

    [Fact]
    public async Task A_grain_reference_built_from_the_resolved_grain_types_reaches_the_grain_orleans_would()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([Ev.Post(x + "p", x + "a"), Ev.Repost(x + "r1", x + "b", x + "p", x + "p", 1), Ev.Repost(x + "r2", x + "c", x + "p", x + "r1", 2)]);
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        foreach (var key in new[] { GrainKeys.For("default", x + "p"), GrainKeys.For("default", x + "other"), GrainKeys.For("another", x + "p") })
        {
            Assert.Equal(grains.GetGrain<ICascadeGrain>(key).GetGrainId(), grains.Get<ICascadeGrain>(key).GetGrainId());
            Assert.Equal(grains.GetGrain<IAccountGrain>(key).GetGrainId(), grains.Get<IAccountGrain>(key).GetGrainId());
        }

        var summary = await grains.Get<ICascadeGrain>(GrainKeys.For("default", x + "p")).GetSummaryAsync();
        Assert.Equal(2, summary?.Reposts);
    }

    [Fact]
    public async Task The_api_reference_page_is_served()
    {
        using var response = await _client.GetAsync("/scalar", TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>The embedded default as the README's first command starts it.</summary>
public sealed class SampleTests : IClassFixture<SampleHost>
{
    private readonly HttpClient _client;
    private readonly SampleLoader _loader;

    public SampleTests(SampleHost host)
    {
        _client = host.CreateClient();
        _loader = host.Services.GetRequiredService<SampleLoader>();
    }

    [Fact]
    public async Task The_first_url_shows_the_motivating_case_with_real_numbers()
    {
        var home = await _client.GetJsonAsync("/");
        var url = home["sample"]!["metrics"]!.GetValue<string>();

        var metrics = await WaitForSampleAsync(url);

        // The builder places reposts only; quotes of the root join the cascade through the service.
        var events = MotivatingCase.Events();
        var expected = Analysis.Cascades.CascadeMetricsCalculator.Compute(
            Analysis.Cascades.CascadeGraphBuilder.FromEvents(events)[MotivatingCase.RootPostId]);
        var quotesOfRoot = events.Count(e => e.QuotedPostId == MotivatingCase.RootPostId);
        Assert.Equal(expected.Size + quotesOfRoot, metrics["size"]!.GetValue<int>());
        Assert.Equal(quotesOfRoot, metrics["quotes"]!.GetValue<int>());
        Assert.Equal(expected.Depth, metrics["depth"]!.GetValue<int>());
        Assert.True(metrics["structuralVirality"]!.GetValue<double>() > 2.0, "a multi-generation cascade is more viral than a star");
        Assert.True(metrics["likes"]!.GetValue<int>() > 0);
        Assert.True(metrics["exposure"]!.GetValue<long>() > metrics["authorAudience"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_sample_reaches_far_more_people_than_its_author_could_mostly_through_strangers()
    {
        var metrics = await WaitForSampleAsync("/v1/posts/mc-post-root/metrics");

        // Independently from the events: every follow event predates the follower lists, so F(u) is u's list.
        var events = MotivatingCase.Events();
        var lists = events.Where(e => e.Type == EventType.Followers).ToDictionary(e => e.AccountId!, e => e.FollowerIds!.ToHashSet());
        Assert.All(events.Where(e => e.Type == EventType.Follow), f => Assert.True(f.At < events.Where(e => e.Type == EventType.Followers).Min(e => e.At)));
        var author = MotivatingCase.AuthorId;
        var reposters = events
            .Where(e => (e.Type == EventType.Repost && e.RootPostId == MotivatingCase.RootPostId) || e.QuotedPostId == MotivatingCase.RootPostId)
            .Select(e => e.AccountId!).ToHashSet();
        var reached = reposters.Append(author).SelectMany(a => lists[a]).ToHashSet();
        reposters.Remove(author);
        var strangers = reposters.Count(r => !lists[author].Contains(r) && !lists[r].Contains(author));

        Assert.Equal(reached.Count, metrics["reach"]!.GetValue<long>());
        Assert.Equal((double)reached.Count / lists[author].Count, metrics["multiplier"]!.GetValue<double>(), 12);
        Assert.Equal((double)strangers / reposters.Count, metrics["strangerShare"]!.GetValue<double>(), 12);
        Assert.True(metrics["multiplier"]!.GetValue<double>() > 100);
        Assert.True(metrics["strangerShare"]!.GetValue<double>() > 0.5);
    }

    /// <summary>The sample loads in the background once the host has started; wait for that signal.</summary>
    private async Task<JsonNode> WaitForSampleAsync(string url)
    {
        await _loader.Loaded.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return await _client.GetJsonAsync(url);
    }
}
