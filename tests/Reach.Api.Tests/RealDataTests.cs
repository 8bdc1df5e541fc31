using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Reach.Api.Tests;

/// <summary>
/// Real Twitter15 and Weibo cascades from ../shared/data, ingested through the API and compared with
/// reference values computed independently (networkx). Skips when the folder is absent, as in a
/// fresh clone without shared/.
/// </summary>
public sealed class RealDataTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    [Fact]
    public Task Weibo_cascades_match_their_reference_values() =>
        CheckAsync("weibo-sample.ndjson", "weibo-sample.reference.jsonl");

    [Fact]
    public Task Twitter15_cascades_match_their_reference_values() =>
        CheckAsync("twitter15.ndjson.gz", "twitter15.reference.jsonl");

    private async Task CheckAsync(string eventsFile, string referenceFile)
    {
        var folder = SharedData.Folder();
        Assert.SkipWhen(folder is null, "../shared/data is not present (set REACH_SHARED_DATA to point at it)");
        await IngestFileAsync(Path.Combine(folder!, eventsFile));

        var mismatches = new List<string>();
        var checkedCascades = 0;
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(folder!, referenceFile), TestContext.Current.CancellationToken))
        {
            var reference = JsonNode.Parse(line)!;
            var root = reference["rootPostId"]!.GetValue<string>();
            var metrics = await _client.GetJsonAsync($"/v1/posts/{Http.Escape(root)}/metrics");
            Compare(root, reference, metrics, mismatches);
            checkedCascades++;
        }

        Assert.True(checkedCascades > 0);
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches in {checkedCascades} cascades:\n" + string.Join("\n", mismatches.Take(20)));
    }

    private static void Compare(string root, JsonNode reference, JsonNode metrics, List<string> mismatches)
    {
        void Exact(string referenceName, string name)
        {
            var expected = reference[referenceName]!.GetValue<long>();
            var actual = metrics[name]!.GetValue<long>();
            if (expected != actual)
            {
                mismatches.Add($"{root}: {name} {actual}, reference {expected}");
            }
        }

        Exact("size", "size");
        Exact("reposts", "reposts");
        Exact("depth", "depth");
        Exact("maxBreadth", "maxBreadth");
        Exact("distinctAccounts", "participants");

        var sv = reference["structuralVirality"]!.GetValue<double>();
        var actualSv = metrics["structuralVirality"]!.GetValue<double>();
        if (Math.Abs(actualSv - sv) > 1e-9 * Math.Abs(sv))
        {
            mismatches.Add($"{root}: structuralVirality {actualSv:R}, reference {sv:R}");
        }

        foreach (var (k, expected) in reference["secondsToKthRepost"]!.AsObject())
        {
            var actual = metrics["timeToReposts"]![k];
            var same = expected is null ? actual is null : actual is not null && Math.Abs(actual.GetValue<double>() - expected.GetValue<double>()) < 1e-6;
            if (!same)
            {
                mismatches.Add($"{root}: timeToReposts.{k} {actual?.ToJsonString() ?? "null"}, reference {expected?.ToJsonString() ?? "null"}");
            }
        }
    }

    private async Task IngestFileAsync(string path)
    {
        await using var file = File.OpenRead(path);
        await using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var batch = new StringBuilder();
        var lines = 0;
        while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            batch.Append(line).Append('\n');
            if (++lines % 20_000 == 0)
            {
                await SendAsync(batch);
            }
        }

        await SendAsync(batch);
    }

    private async Task SendAsync(StringBuilder batch)
    {
        if (batch.Length == 0)
        {
            return;
        }

        using var response = await _client.PostNdjsonAsync(batch.ToString());
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        var report = JsonNode.Parse(body)!;
        Assert.Empty(report["conflicts"]!.AsArray());
        batch.Clear();
    }
}

internal static class SharedData
{
    /// <summary>../shared/data beside the repository (or REACH_SHARED_DATA), when present.</summary>
    public static string? Folder()
    {
        if (Environment.GetEnvironmentVariable("REACH_SHARED_DATA") is { Length: > 0 } configured)
        {
            return Directory.Exists(configured) ? configured : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reach.sln")))
            {
                var data = Path.Combine(dir.FullName, "..", "shared", "data");
                return Directory.Exists(data) ? Path.GetFullPath(data) : null;
            }
        }

        return null;
    }
}
