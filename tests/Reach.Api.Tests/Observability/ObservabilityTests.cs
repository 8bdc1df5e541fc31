using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Reach.Analysis.Events;
using Reach.Api.Tests.Durable;
using Reach.Api.Tests.Postgres;

namespace Reach.Api.Tests.Observability;

/// <summary>
/// The service as it runs in production (its own process, on PostgreSQL, so every instrument of
/// the storage path records too), scraped after a known ingest: the counters of a fresh process
/// are exact.
/// </summary>
[Collection(ServiceProcesses.Collection)]
public sealed partial class ObservabilityTests(PostgresServer postgres)
{
    /// <summary>
    /// au (followers f1 f2 f3) posts p; b (followers f3 f4) reposts it; c (followers unknown)
    /// reposts b's repost. Reach: {f1, f2, f3, f4} = 4, multiplier 4/3.
    /// </summary>
    private static List<ReachEvent> Scenario(string x) =>
    [
        Ev.Followers(x + "au", [x + "f1", x + "f2", x + "f3"], -10),
        Ev.Followers(x + "b", [x + "f3", x + "f4"], -10),
        Ev.Post(x + "p", x + "au", 0),
        Ev.Repost(x + "rb", x + "b", x + "p", null, 1),
        Ev.Repost(x + "rc", x + "c", x + "p", x + "rb", 2),
    ];

    private async Task<(ServiceProcess Service, string Prefix)> StartAndIngestAsync()
    {
        var database = await postgres.CreateDatabaseAsync();
        var service = await ServiceProcess.StartAsync(database, ServicePorts.Free());
        var x = Ids.Unique();
        var client = service.Client;
        await client.IngestAsync(Scenario(x));
        await client.IngestAsync(Scenario(x).Where(e => e.Type == EventType.Repost));
        // A batch with a valid like and a like without its ids: refused whole.
        var refusedBatch = Encoding.UTF8.GetString(EventWriter.ToNdjson([Ev.Like(x + "l", x + "p", 3)])) + """{"type":"like","at":"2026-05-04T09:00:00Z"}""" + "\n";
        using (var refused = await client.PostNdjsonAsync(refusedBatch))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        foreach (var path in new[] { $"/v1/watch/posts/{x}p", $"/v1/watch/accounts/{x}au" })
        {
            using var watched = await client.PutAsync(path, null, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, watched.StatusCode);
        }

        await client.GetJsonAsync($"/v1/posts/{x}p/metrics");
        return (service, x);
    }

    private static async Task<PrometheusText> ScrapeAsync(ServiceProcess service)
    {
        using var response = await service.Client.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new PrometheusText(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_scrape_after_an_ingest_passes_promtool_and_carries_the_ingested_values()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");
        var (service, x) = await StartAndIngestAsync();
        await using var _ = service;

        var scrape = await ScrapeAsync(service);

        // Exit 1 is a format error; 3 means lint findings, which only Orleans' own names may draw.
        var (exit, output, errors) = await ExternalTool.RunAsync(promtool, ["check", "metrics"], scrape.Text);
        Assert.True(exit is 0 or 3, $"promtool exit {exit}: {output}{errors}");
        var lint = (output + errors).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lint, finding => Assert.StartsWith("orleans_", finding, StringComparison.Ordinal));

        Assert.Equal(2, scrape.Value("reach_events_total", ("type", "repost"), ("outcome", "accepted")));
        Assert.Equal(2, scrape.Value("reach_events_total", ("type", "repost"), ("outcome", "duplicate")));
        Assert.Equal(2, scrape.Value("reach_events_total", ("type", "followers"), ("outcome", "accepted")));
        Assert.Equal(1, scrape.Value("reach_events_total", ("type", "post"), ("outcome", "accepted")));
        Assert.Equal(1, scrape.Value("reach_events_total", ("type", "like"), ("outcome", "rejected")));
        Assert.Equal(1, scrape.Value("reach_events_total", ("type", "invalid"), ("outcome", "rejected")));
        Assert.Equal(3, scrape.Value("reach_ingest_batch_size_count"));
        Assert.Equal(5 + 2 + 2, scrape.Value("reach_ingest_batch_size_sum"));
        Assert.Equal(3, scrape.Value("reach_ingest_duration_seconds_count"));
        Assert.True(scrape.Value("reach_journal_commits_total") > 0);
        Assert.Equal(1, scrape.Value("reach_cluster_silos"));

        Assert.Equal(2, scrape.Value("reach_watch_post_reposts", ("post_id", x + "p")));
        Assert.Equal(4, scrape.Value("reach_watch_post_reach", ("post_id", x + "p")));
        Assert.Equal(4.0 / 3, scrape.Value("reach_watch_post_multiplier", ("post_id", x + "p")), 12);
        Assert.Equal(2, scrape.Value("reach_watch_post_velocity_per_hour", ("post_id", x + "p")));
        Assert.Equal(3, scrape.Value("reach_watch_account_followers", ("account_id", x + "au")));
        Assert.Equal(1, scrape.Value("reach_watch_account_posts", ("account_id", x + "au")));
        Assert.Equal(2, scrape.Value("reach_watch_account_reposts_received", ("account_id", x + "au")));

        // No post or account id anywhere else.
        Assert.DoesNotContain(scrape.Text.Split('\n'), line => line.Contains(x, StringComparison.Ordinal) && !line.StartsWith("reach_watch_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_Grafana_panel_query_names_metrics_that_the_service_exposes()
    {
        var (service, _) = await StartAndIngestAsync();
        await using var _ = service;
        var scrape = await ScrapeAsync(service);

        var dashboards = Directory.GetFiles(Repository.PathOf("k8s", "base", "grafana", "dashboards"), "*.json");
        Assert.Equal(2, dashboards.Length);
        var checkedNames = 0;
        foreach (var file in dashboards)
        {
            var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken))!;
            Assert.Null(dashboard["id"]?.GetValue<int?>());
            Assert.False(string.IsNullOrEmpty(dashboard["uid"]!.GetValue<string>()));
            Assert.Contains(dashboard["templating"]!["list"]!.AsArray(), v => v!["type"]!.GetValue<string>() == "datasource");
            foreach (var panel in dashboard["panels"]!.AsArray())
            {
                Assert.Equal("${datasource}", panel!["datasource"]!["uid"]!.GetValue<string>());
                foreach (var target in panel["targets"]!.AsArray())
                {
                    var expr = target!["expr"]!.GetValue<string>();
                    var names = MetricNames(expr);
                    Assert.NotEmpty(names);
                    foreach (var name in names.Where(n => n != "up"))
                    {
                        Assert.True(scrape.Names.Contains(name), $"{Path.GetFileName(file)}, panel '{panel["title"]}': {name} is not in a scrape of the service");
                        checkedNames++;
                    }
                }
            }
        }

        Assert.True(checkedNames > 20, $"only {checkedNames} metric names found in the dashboards");
    }

    [Fact]
    public async Task A_real_Prometheus_scrapes_the_service_and_answers_queries_for_Reach_series()
    {
        var prometheusPath = ExternalTool.Require("prometheus", "prometheus");
        var (service, x) = await StartAndIngestAsync();
        await using var _ = service;
        var directory = Directory.CreateTempSubdirectory("reach-prometheus-");
        var port = Ports.Free();
        var config = Path.Combine(directory.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {Repository.PathOf("k8s", "base", "prometheus", "reach-alerts.yaml")}
            scrape_configs:
              - job_name: reach
                static_configs:
                  - targets: ["127.0.0.1:{service.Ports.Http}"]
            """, TestContext.Current.CancellationToken);
        using var prometheus = Process.Start(new ProcessStartInfo(prometheusPath)
        {
            ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}", $"--web.listen-address=127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = prometheus.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var query = Uri.EscapeDataString($"reach_watch_post_reach{{post_id=\"{x}p\",job=\"reach\"}}");

            // Prometheus has no push signal for "scraped": ask its query API until the series is there.
            var deadline = Stopwatch.StartNew();
            JsonArray result;
            do
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90) && !prometheus.HasExited, $"Prometheus never returned the series:\n{(prometheus.HasExited ? await log : "")}");
                result = await QueryAsync(api, query);
            }
            while (result.Count == 0);

            Assert.Equal("4", result[0]!["value"]![1]!.GetValue<string>());
            var rules = JsonNode.Parse(await api.GetStringAsync("/api/v1/rules", TestContext.Current.CancellationToken))!;
            var groups = rules["data"]!["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal);
            Assert.Equal(["reach-engine", "reach-watched"], groups);
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync(TestContext.Current.CancellationToken);
            directory.Delete(recursive: true);
        }
    }

    private static async Task<JsonArray> QueryAsync(HttpClient api, string query)
    {
        try
        {
            var answer = JsonNode.Parse(await api.GetStringAsync($"/api/v1/query?query={query}", TestContext.Current.CancellationToken))!;
            return answer["data"]!["result"]!.AsArray();
        }
        catch (HttpRequestException)
        {
            return []; // not listening yet
        }
    }

    /// <summary>The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels, ranges or strings.</summary>
    internal static SortedSet<string> MetricNames(string expr)
    {
        var stripped = Strings().Replace(expr, " ");
        stripped = Matchers().Replace(stripped, " ");
        stripped = Ranges().Replace(stripped, " ");
        stripped = Grouping().Replace(stripped, " ");
        return [.. Identifiers().Matches(stripped).Select(m => m.Groups[1].Value).Where(name => !Keywords.Contains(name))];
    }

    private static readonly HashSet<string> Keywords = ["by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless"];

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    // An identifier not followed by "(" (a function call) and not a number.
    [GeneratedRegex(@"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")]
    private static partial Regex Identifiers();
}
