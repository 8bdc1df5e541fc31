using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Reach.Analysis;
using Reach.Analysis.Export;

namespace Reach.Api.Reports;

/// <summary>A campaign report as CSV tables: one by name, or all of them in a zip.</summary>
public static class ReportCsv
{
    public static readonly string[] Tables = ["figures", "posts", "groups", "amplifiers", "overlap", "timeline", "evidence"];

    public static string Table(CampaignReport report, string table)
    {
        var f = report.Figures;
        var rows = table switch
        {
            "figures" => Figures(report),
            "posts" => [["postId", "authorId", "reposts", "reach"], .. f.TopPosts.Select(p => new[] { p.PostId, p.AuthorId, N(p.Reposts), N(p.Reach) })],
            "groups" => [["group", "participants", "nodes", "reach", "reachMethod"], .. f.ReachByGroup.Select(g => new[] { g.Group, N(g.Participants), N(g.Nodes), N(g.Reach), g.ReachMethod })],
            "amplifiers" => [["postId", "rootPostId", "accountId", "at", "marginalReach", "followers"],
                .. f.TopAmplifiers.Select(a => new[] { a.PostId, a.RootPostId, a.AccountId, T(a.At), N(a.MarginalReach), a.Followers is { } n ? N(n) : "" })],
            "overlap" => [["postA", "postB", "shared", "jaccard"], .. f.Overlap.Select(o => new[] { o.PostA, o.PostB, N(o.Shared), o.Jaccard?.ToString("R", CultureInfo.InvariantCulture) ?? "" })],
            "timeline" => [["start", "reposts", "reach"], .. f.Timeline.Select(b => new[] { T(b.Start), N(b.Reposts), N(b.Reach) })],
            "evidence" => Evidence(report),
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "unknown table"),
        };
        var csv = new StringBuilder();
        foreach (var row in rows)
        {
            csv.AppendJoin(',', row.Select(Escape)).Append("\r\n");
        }

        return csv.ToString();
    }

    public static byte[] Zip(CampaignReport report)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var table in Tables)
            {
                using var writer = new StreamWriter(zip.CreateEntry($"{table}.csv").Open(), new UTF8Encoding(false));
                writer.Write(Table(report, table));
            }
        }

        return buffer.ToArray();
    }

    private static string[][] Figures(CampaignReport report)
    {
        var figures = JsonSerializer.SerializeToElement(report.Figures, ReachJson.Options);
        return [["figure", "value"], .. figures.EnumerateObject()
            .Where(p => p.Value.ValueKind is JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null)
            .Select(p => new[] { p.Name, p.Value.ValueKind == JsonValueKind.Null ? "" : p.Value.ToString() })];
    }

    private static string[][] Evidence(CampaignReport report)
    {
        var e = report.Evidence;
        return
        [
            ["key", "value"], ["campaignId", report.CampaignId], ["generatedAt", T(report.GeneratedAt)], ["method", e.Method], ["engine", e.Engine],
            ["from", e.From is { } from ? T(from) : ""], ["to", e.To is { } to ? T(to) : ""], ["events", N(e.Events)], ["digest", e.Digest],
        ];
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string T(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static string Escape(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
