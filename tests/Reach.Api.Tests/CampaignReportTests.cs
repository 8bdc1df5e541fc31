using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Reach.Api.Tests;

public sealed partial class CampaignReportTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    /// <summary>Two posts by b and c; follower sets make the reach 5 (see the figures asserted).</summary>
    private async Task<string> CampaignAsync()
    {
        var x = Ids.Unique();
        await _client.IngestAsync(
        [
            Ev.Followers(x + "b", [x + "f1", x + "f2"], -60),
            Ev.Followers(x + "c", [x + "f2", x + "f3"], -60),
            Ev.Followers(x + "d", [x + "f4", x + "f5"], -60),
            Ev.Post(x + "P1", x + "b", 0),
            Ev.Post(x + "P2", x + "c", 30),
            Ev.Repost(x + "r1", x + "d", x + "P1", null, 10),
        ]);
        using var defined = await _client.PutAsJsonAsync($"/v1/campaigns/{x}c", new { name = "Q3 <launch>", posts = new[] { x + "P1", x + "P2" } }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, defined.StatusCode);
        return x;
    }

    [Fact]
    public async Task A_json_report_carries_the_figures_and_an_evidence_block()
    {
        var x = await CampaignAsync();

        var report = await _client.GetJsonAsync($"/v1/campaigns/{x}c/report");

        Assert.Equal(5, report["figures"]!["reach"]!.GetValue<long>());
        Assert.Equal((await _client.GetJsonAsync($"/v1/campaigns/{x}c/metrics"))["reach"]!.ToJsonString(), report["figures"]!["reach"]!.ToJsonString());
        var evidence = report["evidence"]!;
        Assert.Matches("^sha256:[0-9a-f]{64}$", evidence["digest"]!.GetValue<string>());
        Assert.StartsWith("Reach ", evidence["engine"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("HyperLogLog", evidence["method"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal((2, 1, 3, 6L), (evidence["counts"]!["posts"]!.GetValue<int>(), evidence["counts"]!["reposts"]!.GetValue<int>(),
            evidence["counts"]!["accounts"]!.GetValue<int>(), evidence["counts"]!["followerEntries"]!.GetValue<long>()));
        Assert.Equal(Ev.T0, evidence["from"]!.GetValue<DateTimeOffset>());
        Assert.Equal(Ev.T0.AddMinutes(30), evidence["to"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Csv_reports_come_as_one_table_or_a_zip_of_all()
    {
        var x = await CampaignAsync();

        var posts = await _client.GetStringAsync($"/v1/campaigns/{x}c/report?format=csv&table=posts", TestContext.Current.CancellationToken);
        using var zip = new ZipArchive(await _client.GetStreamAsync($"/v1/campaigns/{x}c/report?format=csv", TestContext.Current.CancellationToken));

        Assert.Equal($"postId,authorId,reposts,reach\r\n{x}P1,{x}b,1,4\r\n{x}P2,{x}c,0,2\r\n", posts);
        Assert.Equal(["amplifiers.csv", "evidence.csv", "figures.csv", "groups.csv", "overlap.csv", "posts.csv", "timeline.csv"], zip.Entries.Select(e => e.Name).Order());
        using var bad = await _client.GetAsync($"/v1/campaigns/{x}c/report?format=csv&table=nope", TestContext.Current.CancellationToken);
        await bad.ProblemAsync(400);
    }

    [Fact]
    public async Task Verification_accepts_an_untouched_report_and_rejects_edited_figures_or_changed_events()
    {
        var x = await CampaignAsync();
        var report = await _client.GetStringAsync($"/v1/campaigns/{x}c/report", TestContext.Current.CancellationToken);

        Assert.True((await VerifyAsync(x, report, "application/json"))["holds"]!.GetValue<bool>());

        var edited = JsonNode.Parse(report)!;
        edited["figures"]!["reach"] = 50;
        var rejected = await VerifyAsync(x, edited.ToJsonString(), "application/json");
        Assert.False(rejected["holds"]!.GetValue<bool>());
        Assert.Contains(rejected["differences"]!.AsArray(), d => d!.GetValue<string>().StartsWith("figures.reach", StringComparison.Ordinal));

        await _client.IngestAsync([Ev.Repost(x + "r2", x + "e", x + "P2", null, 40)]);
        var stale = await VerifyAsync(x, report, "application/json");
        Assert.False(stale["holds"]!.GetValue<bool>());
        Assert.Contains(stale["differences"]!.AsArray(), d => d!.GetValue<string>().StartsWith("evidence.digest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_html_report_renders_its_charts_in_a_real_browser_and_verifies_only_when_untouched()
    {
        var chromium = Chromium.Find();
        var x = await CampaignAsync();
        var html = await _client.GetStringAsync($"/v1/campaigns/{x}c/report?format=html", TestContext.Current.CancellationToken);
        var file = Path.Combine(Path.GetTempPath(), $"reach-report-{x}.html");
        await File.WriteAllTextAsync(file, html, TestContext.Current.CancellationToken);

        await using (var page = await ChromiumPage.OpenAsync(chromium))
        {
            await page.NavigateAsync(new Uri(file).AbsoluteUri);
            var sizes = (await page.EvaluateAsync(
                "JSON.stringify([...document.querySelectorAll('svg')].map(s => ({ id: s.id, w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, marks: s.querySelectorAll('polyline,rect,circle,line').length })))"))!
                .GetValue<string>();
            var charts = JsonNode.Parse(sizes)!.AsArray().ToDictionary(c => c!["id"]!.GetValue<string>());
            foreach (var id in new[] { "chart-reach-over-time", "chart-reach-by-group", "chart-top-amplifiers", "chart-top-post-cascade" })
            {
                Assert.True(charts.TryGetValue(id, out var chart), $"{id} is missing");
                Assert.True(chart!["w"]!.GetValue<double>() > 0 && chart["h"]!.GetValue<double>() > 0, $"{id} has no size: {chart.ToJsonString()}");
            }

            Assert.True(charts["chart-top-post-cascade"]!["marks"]!.GetValue<int>() >= 3, "the cascade tree draws its two nodes and the edge");
            Assert.True(charts["chart-reach-over-time"]!["marks"]!.GetValue<int>() >= 4, "the reach line, its point and the axes");
            Assert.Equal("Q3 <launch>", (await page.EvaluateAsync("document.querySelector('h1').textContent"))!.GetValue<string>());
            var screenshot = await page.ScreenshotAsync();
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], screenshot[..4]);
            await File.WriteAllBytesAsync(Path.Combine(Path.GetTempPath(), $"reach-report-{x}.png"), screenshot, TestContext.Current.CancellationToken);
        }

        File.Delete(file);
        Assert.True((await VerifyAsync(x, html, "text/html"))["holds"]!.GetValue<bool>());
        var edited = ShownReach().Replace(html, "data-figure=\"reach\">50<", 1);
        Assert.NotEqual(html, edited);
        var rejected = await VerifyAsync(x, edited, "text/html");
        Assert.False(rejected["holds"]!.GetValue<bool>());
        Assert.Contains(rejected["differences"]!.AsArray(), d => d!.GetValue<string>().StartsWith("shown reach", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"hello\":1}")]
    [InlineData("not json")]
    [InlineData("{\"campaignId\":7,\"bucket\":\"01:00:00\",\"figures\":{},\"evidence\":{\"digest\":\"x\"}}")]
    [InlineData("{\"campaignId\":\"other\",\"bucket\":\"01:00:00\",\"figures\":{},\"evidence\":{\"digest\":\"x\"}}")]
    public async Task A_body_that_is_not_a_report_of_this_campaign_is_refused_with_a_problem(string body)
    {
        var x = await CampaignAsync();

        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync($"/v1/campaigns/{x}c/verify", content, TestContext.Current.CancellationToken);

        await response.ProblemAsync(400);
    }

    private async Task<JsonNode> VerifyAsync(string x, string body, string mediaType)
    {
        using var content = new StringContent(body, Encoding.UTF8, mediaType);
        using var response = await _client.PostAsync($"/v1/campaigns/{x}c/verify", content, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }

    [GeneratedRegex("""data-figure="reach">[^<]*<""")]
    private static partial Regex ShownReach();
}
