using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reach.Analysis;
using Reach.Analysis.Export;

namespace Reach.Api.Reports;

/// <summary>
/// A campaign report as one self-contained HTML file: the figures, inline SVG charts (cumulative
/// reach, reach by group, top amplifiers, the top post's cascade as a tree), the evidence block, and
/// the report itself as embedded JSON, which the verify endpoint reads back.
/// </summary>
public static partial class ReportHtml
{
    public const string EmbeddedId = "reach-report";

    /// <summary>The figures shown in the table, by their JSON names, and how each is shown.</summary>
    public static readonly (string Name, string Label)[] Figures =
    [
        ("posts", "Posts"), ("reposts", "Reposts"), ("participants", "Participants"), ("exposure", "Exposure"),
        ("reach", "Reach"), ("authorsAudience", "Authors' audience"), ("earnedReach", "Earned reach"), ("multiplier", "Multiplier"),
    ];

    private const int Width = 720;

    public static string Write(CampaignReport report)
    {
        var figures = JsonSerializer.SerializeToElement(report.Figures, ReachJson.Options);
        var html = new StringBuilder();
        html.Append($$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>{{E(report.Name ?? report.CampaignId)}} — Reach campaign report</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; color: #1d2430; }
            h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ccd; }
            table { border-collapse: collapse; } th, td { padding: .2rem .8rem; border-bottom: 1px solid #e3e6ea; text-align: left; }
            td.number { text-align: right; font-variant-numeric: tabular-nums; }
            svg { display: block; max-width: 100%; height: auto; } svg text { font-size: 11px; fill: #333; }
            .muted { color: #667; } code { word-break: break-all; }
            @media print { body { margin: 0; max-width: none; } section { break-inside: avoid; } }
            </style>
            </head>
            <body>
            <header>
            <h1>{{E(report.Name ?? report.CampaignId)}}</h1>
            <p class="muted">Campaign <code>{{E(report.CampaignId)}}</code>, report generated {{report.GeneratedAt.ToString("u", CultureInfo.InvariantCulture)}} by {{E(report.Evidence.Engine)}}.</p>
            </header>
            <section id="figures"><h2>Figures</h2><table>
            """);
        foreach (var (name, label) in Figures)
        {
            html.Append($"<tr><th>{E(label)}</th><td class=\"number\" data-figure=\"{name}\">{E(Format(figures.GetProperty(name)))}</td></tr>\n");
        }

        html.Append($"<tr><th>Reach method</th><td>{E(report.Figures.ReachMethod)}{(report.Figures.ReachIsUpperBound ? " (upper bound)" : "")}</td></tr>\n</table></section>\n");
        html.Append("<section id=\"reach-over-time\"><h2>Cumulative reach</h2>").Append(LineChart(report)).Append("</section>\n");
        html.Append("<section id=\"reach-by-group\"><h2>Reach by account group</h2>")
            .Append(Bars("chart-reach-by-group", [.. report.Figures.ReachByGroup.Select(g => (g.Group, (double)g.Reach))])).Append("</section>\n");
        html.Append("<section id=\"top-amplifiers\"><h2>Top amplifiers (marginal reach)</h2>")
            .Append(Bars("chart-top-amplifiers", [.. report.Figures.TopAmplifiers.Select(a => ($"{a.AccountId} ({a.PostId})", (double)a.MarginalReach))])).Append("</section>\n");
        html.Append("<section id=\"top-post-cascade\"><h2>The top post's cascade</h2>").Append(Tree(report.TopPostTree)).Append("</section>\n");
        var evidence = report.Evidence;
        html.Append($$"""
            <section id="evidence"><h2>Evidence</h2>
            <table>
            <tr><th>Method</th><td>{{E(evidence.Method)}}</td></tr>
            <tr><th>Engine</th><td>{{E(evidence.Engine)}}</td></tr>
            <tr><th>Time range</th><td>{{evidence.From?.ToString("u", CultureInfo.InvariantCulture)}} – {{evidence.To?.ToString("u", CultureInfo.InvariantCulture)}}</td></tr>
            <tr><th>Facts</th><td data-evidence="events">{{evidence.Events.ToString(CultureInfo.InvariantCulture)}} ({{evidence.Counts.Posts}} posts, {{evidence.Counts.Reposts}} reposts and quotes, {{evidence.Counts.Accounts}} accounts, {{evidence.Counts.FollowerEntries}} follower entries)</td></tr>
            <tr><th>Digest</th><td><code data-evidence="digest">{{E(evidence.Digest)}}</code></td></tr>
            </table>
            <p class="muted">POST this file to /v1/campaigns/{{E(Uri.EscapeDataString(report.CampaignId))}}/verify to check that the figures still hold for the stored events.</p>
            </section>
            <script type="application/json" id="{{EmbeddedId}}">{{JsonSerializer.Serialize(report, ReachJson.Options)}}</script>
            </body>
            </html>
            """);
        return html.ToString();
    }

    /// <summary>A figure as the report shows it: integers with thousands separators, fractions to four places, n/a for null.</summary>
    public static string Format(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole.ToString("N0", CultureInfo.InvariantCulture),
        JsonValueKind.Number => value.GetDouble().ToString("N4", CultureInfo.InvariantCulture),
        _ => "n/a",
    };

    /// <summary>The embedded report and the figures as shown, from a report file.</summary>
    public static (string? EmbeddedJson, Dictionary<string, string> Shown) Read(string html)
    {
        var embedded = Embedded().Match(html);
        var shown = Shown().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value), StringComparer.Ordinal);
        return (embedded.Success ? embedded.Groups[1].Value : null, shown);
    }

    [GeneratedRegex("""<script type="application/json" id="reach-report">(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex Embedded();

    [GeneratedRegex("""<td class="number" data-figure="([a-zA-Z]+)">([^<]*)</td>""")]
    private static partial Regex Shown();

    private static string LineChart(CampaignReport report)
    {
        const int height = 240, left = 70, bottom = 30, top = 10;
        var points = report.Figures.Timeline;
        var svg = new StringBuilder($"<svg id=\"chart-reach-over-time\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"Cumulative reach over time\">");
        svg.Append($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{Width - 10}\" y2=\"{height - bottom}\" stroke=\"#999\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{height - bottom}\" stroke=\"#999\"/>");
        if (points.Count > 0)
        {
            // From zero at the first bucket's start to each bucket's total at its end.
            var bucket = report.Bucket.Ticks;
            var series = points.Select(p => (At: p.Start.UtcTicks + bucket, p.Reach)).Prepend((At: points[0].Start.UtcTicks, Reach: 0L)).ToList();
            var (first, last) = (series[0].At, series[^1].At);
            var max = Math.Max(1, points.Max(p => p.Reach));
            double X(long at) => left + ((Width - 10 - left) * (at - first) / (double)Math.Max(1, last - first));
            double Y(long v) => height - bottom - ((height - bottom - top) * v / (double)max);
            svg.Append("<polyline fill=\"none\" stroke=\"#2463eb\" stroke-width=\"2\" points=\"")
                .AppendJoin(' ', series.Select(p => $"{F(X(p.At))},{F(Y(p.Reach))}"))
                .Append("\"/>");
            foreach (var (at, reach) in series.Skip(1))
            {
                svg.Append($"<circle cx=\"{F(X(at))}\" cy=\"{F(Y(reach))}\" r=\"2.5\" fill=\"#2463eb\"/>");
            }

            svg.Append($"<text x=\"{left - 6}\" y=\"{top + 10}\" text-anchor=\"end\">{max.ToString("N0", CultureInfo.InvariantCulture)}</text>");
            svg.Append($"<text x=\"{left}\" y=\"{height - 10}\">{new DateTimeOffset(first, TimeSpan.Zero).ToString("u", CultureInfo.InvariantCulture)}</text>");
            svg.Append($"<text x=\"{Width - 10}\" y=\"{height - 10}\" text-anchor=\"end\">{new DateTimeOffset(last, TimeSpan.Zero).ToString("u", CultureInfo.InvariantCulture)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Bars(string id, IReadOnlyList<(string Label, double Value)> bars)
    {
        const int row = 22, labelWidth = 260;
        var height = Math.Max(1, bars.Count) * row + 10;
        var max = bars.Count == 0 ? 1 : Math.Max(1, bars.Max(b => b.Value));
        var svg = new StringBuilder($"<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\">");
        if (bars.Count == 0)
        {
            svg.Append("<text x=\"0\" y=\"16\">nothing to show</text>");
        }

        for (var i = 0; i < bars.Count; i++)
        {
            var y = 5 + (i * row);
            var width = Math.Max(1, (Width - labelWidth - 80) * bars[i].Value / max);
            svg.Append($"<text x=\"{labelWidth - 6}\" y=\"{y + 14}\" text-anchor=\"end\">{E(Truncate(bars[i].Label))}</text>")
                .Append($"<rect x=\"{labelWidth}\" y=\"{y}\" width=\"{width.ToString("F1", CultureInfo.InvariantCulture)}\" height=\"{row - 6}\" fill=\"#2463eb\"/>")
                .Append($"<text x=\"{(labelWidth + width + 6).ToString("F1", CultureInfo.InvariantCulture)}\" y=\"{y + 14}\">{bars[i].Value.ToString("N0", CultureInfo.InvariantCulture)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>The tree laid out by depth (x) and leaf order (y), parents centred on their children.</summary>
    private static string Tree(ReportTree? tree)
    {
        if (tree is null || tree.NodeIds.Count == 0)
        {
            return "<svg id=\"chart-top-post-cascade\" xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"30\"><text x=\"0\" y=\"16\">no posts yet</text></svg>";
        }

        var n = tree.NodeIds.Count;
        var children = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        for (var i = 1; i < n; i++)
        {
            children[tree.Parents[i]].Add(i);
        }

        var depth = new int[n];
        var y = new double[n];
        var leaves = 0;
        void Place(int node)
        {
            foreach (var child in children[node])
            {
                depth[child] = depth[node] + 1;
                Place(child);
            }

            y[node] = children[node].Count == 0 ? leaves++ : children[node].Average(c => y[c]);
        }

        Place(0);
        var maxDepth = depth.Max();
        var height = Math.Max(40, Math.Min(1200, (leaves * 6) + 20));
        double X(int node) => 10 + ((Width - 20) * (maxDepth == 0 ? 0 : depth[node] / (double)maxDepth));
        double Y(int node) => 10 + ((height - 20) * (leaves <= 1 ? 0.5 : y[node] / (leaves - 1)));
        var svg = new StringBuilder($"<svg id=\"chart-top-post-cascade\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"Cascade of {E(tree.PostId)}\">");
        for (var i = 1; i < n; i++)
        {
            svg.Append($"<line x1=\"{F(X(tree.Parents[i]))}\" y1=\"{F(Y(tree.Parents[i]))}\" x2=\"{F(X(i))}\" y2=\"{F(Y(i))}\" stroke=\"#9aa\" stroke-width=\"1\"/>");
        }

        for (var i = 0; i < n; i++)
        {
            svg.Append($"<circle cx=\"{F(X(i))}\" cy=\"{F(Y(i))}\" r=\"{(i == 0 ? 5 : 2.5).ToString(CultureInfo.InvariantCulture)}\" fill=\"{(i == 0 ? "#d33" : "#2463eb")}\"><title>{E(tree.NodeIds[i])}</title></circle>");
        }

        svg.Append("</svg>");
        if (tree.TotalNodes > n)
        {
            svg.Append($"<p class=\"muted\">The first {n} of {tree.TotalNodes} nodes in time order.</p>");
        }

        return svg.ToString();
    }

    private static string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    private static string Truncate(string label) => label.Length > 40 ? label[..39] + "…" : label;

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
