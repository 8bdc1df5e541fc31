using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Reach.Api.Tests;

public sealed class IngestApiTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    [Fact]
    public async Task Ingest_answers_counts_and_re_sending_the_batch_changes_nothing()
    {
        var x = Ids.Unique();
        var events = new[]
        {
            Ev.Post(x + "p", x + "au", 0), Ev.Repost(x + "r1", x + "A", x + "p", null, 1),
            Ev.Like(x + "L", x + "p", 2), Ev.Account(x + "A", 7), Ev.Follow(x + "B", x + "au", 3),
        };

        var first = await _client.IngestAsync(events);
        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");
        var second = await _client.IngestAsync(events);

        Assert.Equal(5, first["received"]!.GetValue<int>());
        Assert.Equal(5, first["accepted"]!.GetValue<int>());
        Assert.Equal(0, first["duplicates"]!.GetValue<int>());
        Assert.Equal(0, second["accepted"]!.GetValue<int>());
        Assert.Equal(5, second["duplicates"]!.GetValue<int>());
        Assert.Equal(metrics.ToJsonString(), (await _client.GetJsonAsync($"/v1/posts/{x}p/metrics")).ToJsonString());
    }

    [Fact]
    public async Task Repeats_within_one_batch_count_as_duplicates()
    {
        var x = Ids.Unique();
        var post = Ev.Post(x + "p", x + "au", 0);
        var repost = Ev.Repost(x + "r", x + "A", x + "p", null, 1);
        var like = Ev.Like(x + "L", x + "r", 2);

        var report = await _client.IngestAsync([post, repost, like, post, repost, like, post with { AccountId = x + "other" }]);

        Assert.Equal(3, report["accepted"]!.GetValue<int>());
        Assert.Equal(3, report["duplicates"]!.GetValue<int>());
        Assert.Equal(7, Assert.Single(report["conflicts"]!.AsArray())!["line"]!.GetValue<int>());
        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");
        Assert.Equal(2, metrics["size"]!.GetValue<int>());
        Assert.Equal(1, metrics["likes"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_same_batch_sent_four_times_at_once_stores_every_event_once()
    {
        var x = Ids.Unique();
        var events = Analysis.Synthetic.SyntheticCascadeGenerator.Generate(
            new Analysis.Synthetic.SyntheticOptions { Nodes = 2_000, Seed = 9, IdPrefix = x }).ToList();
        events.AddRange([.. events.Where(e => e.Type == Analysis.Events.EventType.Repost).Take(300).Select((e, i) => Ev.Like($"{x}fan{i % 7}", e.PostId!, 99))]);

        var reports = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _client.IngestAsync(events)));

        Assert.Equal(events.Count, reports.Sum(r => r!["accepted"]!.GetValue<int>()));
        Assert.Equal(3 * events.Count, reports.Sum(r => r!["duplicates"]!.GetValue<int>()));
        var expected = Analysis.Cascades.CascadeMetricsCalculator.Compute(Analysis.Cascades.CascadeGraphBuilder.FromEvents(events).Values.Single());
        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}c0-p0/metrics");
        Assert.Equal(expected.Size, metrics["size"]!.GetValue<int>());
        Assert.Equal(expected.StructuralVirality!.Value, metrics["structuralVirality"]!.GetValue<double>(), 12);
        Assert.Equal(300, metrics["likes"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_json_array_is_taken_like_ndjson()
    {
        var x = Ids.Unique();
        var body = $$"""
            [{"type":"post","postId":"{{x}}p","accountId":"a","at":"2026-01-01T00:00:00Z"},
             {"type":"repost","postId":"{{x}}r","accountId":"b","rootPostId":"{{x}}p","at":"2026-01-01T00:05:00+01:00"}]
            """;
        using var response = await _client.PostAsync("/v1/events",
            new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");
        Assert.Equal(2, metrics["size"]!.GetValue<int>());
        Assert.Equal(-3300.0, metrics["timeToReposts"]!["1"]!.GetValue<double>()); // 00:05+01:00 is 55 minutes before the post
    }

    [Fact]
    public async Task A_batch_with_invalid_lines_is_refused_whole_and_names_each_bad_line()
    {
        var x = Ids.Unique();
        var ndjson = $$"""
            {"type":"post","postId":"{{x}}p","accountId":"a","at":"2026-01-01T00:00:00Z"}
            {"type":"repost","postId":"{{x}}r","accountId":"b","at":"2026-01-01T00:01:00Z"}

            {"type":"like","accountId":"c","postId":"{{x}}p","at":"last tuesday"}
            """;

        using var response = await _client.PostNdjsonAsync(ndjson);
        var problem = await response.ProblemAsync(400);

        var errors = problem["errors"]!.AsArray();
        Assert.Equal([2, 4], errors.Select(e => e!["line"]!.GetValue<int>()));
        Assert.Contains("rootPostId", errors[0]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("'at'", errors[1]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        using var metrics = await _client.GetAsync($"/v1/posts/{x}p/metrics", TestContext.Current.CancellationToken);
        await metrics.ProblemAsync(404);
    }

    [Fact]
    public async Task With_invalid_skip_the_valid_events_are_stored_and_the_bad_lines_listed()
    {
        var x = Ids.Unique();
        var ndjson = $$"""
            {"type":"post","postId":"{{x}}p","accountId":"a","at":"2026-01-01T00:00:00Z"}
            {"type":"repost","postId":"{{x}}r","accountId":"b","at":"2026-01-01T00:01:00Z"}
            {"type":"repost","postId":"{{x}}s","accountId":"c","rootPostId":"{{x}}p","at":"2026-01-01T00:02:00Z"}
            """;

        using var response = await _client.PostNdjsonAsync(ndjson, "?invalid=skip");
        var report = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        response.EnsureSuccessStatusCode();
        Http.AssertEveryLineCounted(report);
        Assert.Equal(2, report["accepted"]!.GetValue<int>());
        var rejected = Assert.Single(report["rejected"]!.AsArray());
        Assert.Equal(2, rejected!["line"]!.GetValue<int>());
        Assert.Equal(2, (await _client.GetJsonAsync($"/v1/posts/{x}p/metrics"))["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_parent_chain_that_would_form_a_cycle_refuses_the_batch()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([Ev.Post(x + "p", x + "a", 0), Ev.Repost(x + "r1", x + "b", x + "p", x + "r2", 1)]);

        using var response = await _client.PostEventsAsync(
        [
            Ev.Repost(x + "r3", x + "d", x + "p", x + "p", 3),
            Ev.Repost(x + "r2", x + "c", x + "p", x + "r1", 2),
        ]);

        var error = Assert.Single((await response.ProblemAsync(400))["errors"]!.AsArray());
        Assert.Equal(2, error!["line"]!.GetValue<int>());
        Assert.Contains("cycle", error["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, (await _client.GetJsonAsync($"/v1/posts/{x}p/metrics"))["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_repost_id_sent_again_with_other_fields_is_reported_as_a_conflict_and_not_applied()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([Ev.Post(x + "p", x + "a", 0), Ev.Repost(x + "r", x + "b", x + "p", null, 1)]);

        var report = await _client.IngestAsync([Ev.Repost(x + "r", x + "z", x + "p", null, 1)]);

        var conflict = Assert.Single(report["conflicts"]!.AsArray());
        Assert.Equal(1, conflict!["line"]!.GetValue<int>());
        Assert.Equal(0, report["accepted"]!.GetValue<int>());
        Assert.Equal(2, (await _client.GetJsonAsync($"/v1/posts/{x}p/metrics"))["participants"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_json_array_broken_midway_is_refused_whole_even_when_skipping()
    {
        var x = Ids.Unique();
        var body = $$"""
            [{"type":"post","postId":"{{x}}p","accountId":"a","at":"2026-01-01T00:00:00Z"},
             {"type":"post",,},
             {"type":"post","postId":"{{x}}q","accountId":"a","at":"2026-01-01T00:00:00Z"}]
            """;
        using var response = await _client.PostAsync("/v1/events?invalid=skip",
            new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        var error = Assert.Single((await response.ProblemAsync(400))["errors"]!.AsArray());
        Assert.Equal(2, error!["line"]!.GetValue<int>());
        using var metrics = await _client.GetAsync($"/v1/posts/{x}p/metrics", TestContext.Current.CancellationToken);
        await metrics.ProblemAsync(404);
    }

    [Fact]
    public async Task Reused_ids_of_replies_quotes_and_reposts_in_other_cascades_are_conflicts()
    {
        var x = Ids.Unique();
        await _client.IngestAsync(
        [
            Ev.Post(x + "p1", x + "a", 0), Ev.Post(x + "p2", x + "a", 0),
            Ev.Reply(x + "y", x + "b", x + "p1", 1), Ev.Quote(x + "q", x + "c", x + "p1", 2),
            Ev.Repost(x + "r", x + "d", x + "p1", null, 3),
        ]);

        var report = await _client.IngestAsync(
        [
            Ev.Reply(x + "y", x + "b", x + "p2", 1), Ev.Quote(x + "q", x + "c", x + "p2", 2),
            Ev.Repost(x + "r", x + "d", x + "p2", null, 3),
        ]);

        Assert.Equal([1, 2, 3], report["conflicts"]!.AsArray().Select(c => c!["line"]!.GetValue<int>()));
        var p2 = await _client.GetJsonAsync($"/v1/posts/{x}p2/metrics");
        Assert.Equal(1, p2["size"]!.GetValue<int>());
        Assert.Equal(0, p2["replies"]!.GetValue<int>());
        var p1 = await _client.GetJsonAsync($"/v1/posts/{x}p1/metrics");
        Assert.Equal(3, p1["size"]!.GetValue<int>());
        Assert.Equal(1, p1["replies"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_quote_that_would_close_a_parent_cycle_is_reported_and_kept_out_of_the_cascade()
    {
        var x = Ids.Unique();

        // r names q as its parent, and q quotes r: q would be r's parent and its child.
        var report = await _client.IngestAsync(
            [Ev.Post(x + "p", x + "a", 0), Ev.Quote(x + "q", x + "b", x + "r", 2), Ev.Repost(x + "r", x + "c", x + "p", x + "q", 1)]);

        var conflict = Assert.Single(report["conflicts"]!.AsArray());
        Assert.Equal(2, conflict!["line"]!.GetValue<int>());
        Assert.Contains("cycle", conflict["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");
        Assert.Equal(2, metrics["size"]!.GetValue<int>());
        Assert.Equal(0, metrics["quotes"]!.GetValue<int>());
    }

    [Fact]
    public async Task Other_content_types_answer_415_problem_details()
    {
        using var response = await _client.PostAsync("/v1/events",
            new StringContent("type=post", Encoding.UTF8, "text/plain"), TestContext.Current.CancellationToken);

        await response.ProblemAsync(415);
    }

    [Fact]
    public async Task An_empty_batch_is_a_bad_request()
    {
        using var response = await _client.PostNdjsonAsync("\n\n");

        await response.ProblemAsync(400);
    }

    [Fact]
    public async Task An_unknown_invalid_mode_is_a_bad_request()
    {
        using var response = await _client.PostNdjsonAsync("""{"type":"like","accountId":"a","postId":"b","at":"2026-01-01T00:00:00Z"}""", "?invalid=ignore");

        var problem = await response.ProblemAsync(400);
        Assert.Contains("'invalid'", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_a_json_array_is_named_as_such()
    {
        var content = new StringContent("""{"type":"post"}""", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.PostAsync("/v1/events", content, TestContext.Current.CancellationToken);

        var problem = await response.ProblemAsync(400);
        Assert.Contains("JSON array", problem["errors"]![0]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
