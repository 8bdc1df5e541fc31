using System.Xml.Linq;

namespace Reach.Api.Tests;

public sealed class ExportApiTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    private async Task<string> CascadeAsync()
    {
        var x = Ids.Unique();
        await _client.IngestAsync(
        [
            Ev.Post(x + "p", x + "au", 0), Ev.Repost(x + "r1", x + "A", x + "p", x + "p", 0.5),
            Ev.Repost(x + "r2", x + "B", x + "p", x + "r1", 1.5), Ev.Repost(x + "r3", x + "C", x + "p", null, 2.5),
        ]);
        return x;
    }

    [Fact]
    public async Task The_cascade_export_is_json_with_nodes_and_attributed_edges()
    {
        var x = await CascadeAsync();

        var cascade = await _client.GetJsonAsync($"/v1/posts/{x}p/cascade");

        Assert.Equal(4, cascade["nodes"]!.AsArray().Count);
        var edges = cascade["edges"]!.AsArray().Select(e => (e!["source"]!.GetValue<string>(), e["target"]!.GetValue<string>(), e["attribution"]!.GetValue<string>()));
        Assert.Equal([(x + "p", x + "r1", "explicit"), (x + "r1", x + "r2", "explicit"), (x + "p", x + "r3", "root")], edges);
    }

    [Theory]
    [InlineData("graphml", "application/graphml+xml", "http://graphml.graphdrawing.org/xmlns")]
    [InlineData("gexf", "application/gexf+xml", "http://gexf.net/1.3")]
    public async Task Graph_tool_formats_have_their_content_type_and_every_node_and_edge(string format, string contentType, string ns)
    {
        var x = await CascadeAsync();

        using var response = await _client.GetAsync($"/v1/posts/{x}p/cascade?format={format}", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        XNamespace n = ns;
        Assert.Equal(4, xml.Descendants(n + "node").Count());
        var edges = xml.Descendants(n + "edge").Select(e => ((string)e.Attribute("source")!, (string)e.Attribute("target")!)).ToList();
        Assert.Equal([(x + "p", x + "r1"), (x + "r1", x + "r2"), (x + "p", x + "r3")], edges);
    }

    [Fact]
    public async Task An_unknown_export_format_is_a_validation_problem()
    {
        var x = await CascadeAsync();

        using var response = await _client.GetAsync($"/v1/posts/{x}p/cascade?format=dot", TestContext.Current.CancellationToken);

        await response.ProblemAsync(400);
    }

    [Fact]
    public async Task The_timeline_counts_reposts_per_bucket_and_cumulatively()
    {
        var x = await CascadeAsync();

        var timeline = await _client.GetJsonAsync($"/v1/posts/{x}p/timeline?bucket=1m");

        var buckets = timeline["buckets"]!.AsArray();
        Assert.Equal([1, 1, 1], buckets.Select(b => b!["reposts"]!.GetValue<int>()));
        Assert.Equal([1, 2, 3], buckets.Select(b => b!["cumulative"]!.GetValue<int>()));
        Assert.Equal(Ev.T0, buckets[0]!["start"]!.GetValue<DateTimeOffset>());
        Assert.Equal(Ev.T0.AddMinutes(2), buckets[2]!["start"]!.GetValue<DateTimeOffset>());

        var hourly = await _client.GetJsonAsync($"/v1/posts/{x}p/timeline?bucket=PT1H");
        Assert.Equal(3, Assert.Single(hourly["buckets"]!.AsArray())!["reposts"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_bucket_reaching_outside_the_calendar_is_a_bad_request()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([Ev.Post(x + "p", x + "au", 0), Ev.Repost(x + "r", x + "A", x + "p", null, -60)]);

        using var response = await _client.GetAsync($"/v1/posts/{x}p/timeline?bucket=P800000D", TestContext.Current.CancellationToken);

        await response.ProblemAsync(400);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("fortnight")]
    [InlineData("1ms")]
    [InlineData("1s")] // fine for three minutes; a repost 30 days later pushes it past the bucket limit
    public async Task A_bad_bucket_is_a_bad_request(string bucket)
    {
        var x = await CascadeAsync();
        if (bucket == "1s")
        {
            await _client.IngestAsync([Ev.Repost(x + "late", x + "Z", x + "p", null, 60 * 24 * 30)]);
        }

        using var response = await _client.GetAsync($"/v1/posts/{x}p/timeline?bucket={bucket}", TestContext.Current.CancellationToken);

        var problem = await response.ProblemAsync(400);
        Assert.Contains("bucket", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
