using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Reach.Analysis;
using Reach.Analysis.Audience;
using Reach.Analysis.Export;
using Reach.Api.Access;
using Reach.Api.Reports;
using Reach.Grains;

namespace Reach.Api.Endpoints;

/// <summary>The members of an account group.</summary>
public sealed record GroupBody(string[]? AccountIds);

public sealed record GroupView(string Name, string[] AccountIds);

/// <summary>A campaign rule: posts with any of these tags, by an author in any of these groups, posted in [from, to). Give tags or groups.</summary>
public sealed record RuleBody(string[]? Tags, string[]? Groups, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>A campaign: an explicit list of root posts and/or a rule that also picks up matching posts ingested later.</summary>
public sealed record CampaignBody(string? Name, string[]? Posts, RuleBody? Rule);

public sealed record CampaignRuleView(string[] Tags, string[] Groups, DateTimeOffset? From, DateTimeOffset? To);

public sealed record CampaignResponse(string CampaignId, string? Name, string[] ExplicitPosts, CampaignRuleView? Rule, string[] Posts);

/// <summary>Whether a report still holds, the digest of the stored facts now, and what differs.</summary>
public sealed record VerifyResult(bool Holds, string Digest, IReadOnlyList<string> Differences);

public static class CampaignsApi
{
    private const int MaxPosts = 10_000;
    private const int MaxGroupMembers = 1_000_000;

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder routes)
    {
        var groups = routes.MapGroup("/v1/groups/{name}").WithTags("Groups");
        groups.MapPut("", PutGroupAsync)
            .WithName("PutGroup")
            .WithSummary("Define an account group")
            .WithDescription("Sets the members of a named account group (e.g. official, advocates); campaign rules and campaign reach by group use it. 201 when new, 200 when replaced.")
            .RequireScope(ApiScopes.Admin)
            .ProducesValidationProblem();
        groups.MapGet("", GetGroupAsync)
            .WithName("GetGroup")
            .WithSummary("An account group")
            .RequireScope(ApiScopes.Read)
            .ProducesProblem(StatusCodes.Status404NotFound);

        var campaigns = routes.MapGroup("/v1/campaigns/{campaignId}").WithTags("Campaigns");
        campaigns.MapPut("", PutCampaignAsync)
            .WithName("PutCampaign")
            .WithSummary("Define a campaign")
            .WithDescription("An explicit list of root posts and/or a rule (any of these tags, authors in these groups, posted within [from, to)). Posts already stored that match are taken in now; matching posts ingested later join as they arrive. 201 when new, 200 when redefined.")
            .RequireScope(ApiScopes.Admin)
            .ProducesValidationProblem();
        campaigns.MapGet("", GetCampaignAsync)
            .WithName("GetCampaign")
            .WithSummary("A campaign and its posts")
            .RequireScope(ApiScopes.Read)
            .ProducesProblem(StatusCodes.Status404NotFound);
        campaigns.MapGet("/metrics", GetCampaignMetricsAsync)
            .WithName("GetCampaignMetrics")
            .WithSummary("What a campaign reached")
            .RequireScope(ApiScopes.Read)
            .WithDescription("Posts, reposts, participants, exposure; reach deduplicated across all posts (exact, or HLL beyond the exact limit); earned reach and multiplier against the authors' combined audience; reach by account group; the audience overlap of the top posts; top posts and amplifiers; cumulative deduplicated reach per bucket (bucket=1h by default).")
            .Produces<CampaignMetrics>(StatusCodes.Status200OK, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        campaigns.MapGet("/report", GetReportAsync)
            .WithName("GetCampaignReport")
            .WithSummary("A report a client can read and check")
            .RequireScope(ApiScopes.Read)
            .WithDescription("format=json (default), csv (a zip of the tables, or one table with table=figures|posts|groups|amplifiers|overlap|timeline|evidence) or html (one self-contained file with SVG charts that prints cleanly). Every report carries an evidence block: method, engine version, time range, the number of facts behind it and a SHA-256 digest over their canonical list.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json", additionalContentTypes: ["text/csv", "application/zip", "text/html"])
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        campaigns.MapPost("/verify", VerifyAsync)
            .WithName("VerifyCampaignReport")
            .WithSummary("Check that a report still holds")
            .RequireScope(ApiScopes.Read)
            .WithDescription("Takes a report as JSON (application/json) or HTML (text/html), recomputes its figures and the digest of the facts behind them from what is stored now, and says whether the report holds, and if not, what differs.")
            .Accepts<CampaignReport>("application/json", "text/html")
            .Produces<VerifyResult>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetReportAsync(
        [StringLength(128, MinimumLength = 1)] string campaignId,
        [AllowedValues("json", "csv", "html", null)] string? format,
        string? table,
        string? bucket,
        TenantGrains data)
    {
        if (!PostsApi.TryParseBucket(bucket ?? "1h", out var width))
        {
            return PostsApi.InvalidBucket(bucket);
        }

        if (table is not null && (format != "csv" || !ReportCsv.Tables.Contains(table)))
        {
            return Problems.BadRequest("Invalid table", $"'table' goes with format=csv and is one of {string.Join(", ", ReportCsv.Tables)}, not '{table}'.");
        }

        var read = await data.Campaign(campaignId).GetReportAsync(width);
        if (read.Status != ReadStatus.Ready)
        {
            return read.Status == ReadStatus.Invalid ? Problems.BadRequest("Invalid bucket", read.Problem!) : UnknownCampaign(campaignId);
        }

        var file = SafeFileName(campaignId);
        if (format is null or "json")
        {
            return TypedResults.Bytes(read.Json!, "application/json");
        }

        var report = JsonSerializer.Deserialize<CampaignReport>(read.Json!, ReachJson.Options)!;
        return format == "html"
            ? TypedResults.Bytes(Encoding.UTF8.GetBytes(ReportHtml.Write(report)), "text/html; charset=utf-8")
            : table is not null
                ? TypedResults.Bytes(Encoding.UTF8.GetBytes(ReportCsv.Table(report, table)), "text/csv; charset=utf-8", $"{file}-{table}.csv")
                : TypedResults.Bytes(ReportCsv.Zip(report), "application/zip", $"{file}-report.zip");
    }

    private static async Task<Results<Ok<VerifyResult>, ProblemHttpResult>> VerifyAsync(
        [StringLength(128, MinimumLength = 1)] string campaignId, HttpRequest request, TenantGrains data)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        var html = request.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
        var (json, shown) = html ? ReportHtml.Read(body) : (body, new Dictionary<string, string>());
        JsonNode? submitted;
        try
        {
            submitted = json is null ? null : JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            submitted = null;
        }

        if (submitted?["figures"] is not JsonObject figures
            || !Text(submitted["evidence"]?["digest"], out var submittedDigest)
            || !Text(submitted["bucket"], out var submittedBucket)
            || !Text(submitted["campaignId"], out var submittedCampaign))
        {
            return Problems.BadRequest("Not a report",
                html ? "The HTML holds no embedded Reach report (a script element with id reach-report)." : "The body is not a Reach report: it needs campaignId, figures, bucket and evidence.digest.");
        }

        if (submittedCampaign != campaignId)
        {
            return Problems.BadRequest("Another campaign's report", $"The report is of campaign '{submittedCampaign}', not '{campaignId}'.");
        }

        if (!TimeSpan.TryParse(submittedBucket, CultureInfo.InvariantCulture, out var bucket) || bucket < TimeSpan.FromSeconds(1))
        {
            return Problems.BadRequest("Not a report", "The report's bucket is not a duration of at least one second.");
        }

        var read = await data.Campaign(campaignId).GetReportAsync(bucket);
        if (read.Status != ReadStatus.Ready)
        {
            return read.Status == ReadStatus.Invalid ? Problems.BadRequest("Invalid bucket", read.Problem!) : UnknownCampaign(campaignId);
        }

        var current = JsonNode.Parse(read.Json!)!;
        var differences = new List<string>();
        var digest = current["evidence"]!["digest"]!.GetValue<string>();
        if (submittedDigest != digest)
        {
            differences.Add("evidence.digest: the facts behind the campaign changed since the report (or the digest was edited)");
        }

        foreach (var (name, value) in current["figures"]!.AsObject())
        {
            if (!JsonNode.DeepEquals(figures[name], value))
            {
                differences.Add($"figures.{name}: the report says {figures[name]?.ToJsonString() ?? "nothing"}, the stored events give {value?.ToJsonString()}");
            }
        }

        var currentFigures = JsonSerializer.SerializeToElement(current["figures"], ReachJson.Options);
        foreach (var (name, text) in shown)
        {
            if (currentFigures.TryGetProperty(name, out var value) && ReportHtml.Format(value) != text)
            {
                differences.Add($"shown {name}: the page shows {text}, the stored events give {ReportHtml.Format(value)}");
            }
        }

        if (html && shown.Count < ReportHtml.Figures.Length)
        {
            differences.Add("the page's figures table is incomplete");
        }

        return TypedResults.Ok(new VerifyResult(differences.Count == 0, digest, differences));
    }

    private static bool Text(JsonNode? node, out string text)
    {
        text = "";
        return node is JsonValue value && value.TryGetValue(out text!);
    }

    private static string SafeFileName(string id) => string.Concat(id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static async Task<Results<Created<GroupView>, Ok<GroupView>, ValidationProblem>> PutGroupAsync(
        [StringLength(128, MinimumLength = 1)] string name, GroupBody body, TenantGrains data)
    {
        var members = body.AccountIds ?? [];
        var errors = new Dictionary<string, string[]>();
        if (members.Length > MaxGroupMembers)
        {
            errors["accountIds"] = [$"A group holds at most {MaxGroupMembers} accounts."];
        }

        if (members.FirstOrDefault(id => id.Length is 0 or > 128) is { } bad)
        {
            errors["accountIds"] = [$"Account ids have 1 to 128 characters; '{Truncate(bad)}' does not."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var created = await data.CampaignDirectory.SetGroupAsync(name, members);
        var view = new GroupView(name, (await data.CampaignDirectory.GetGroupAsync(name))!);
        return created ? TypedResults.Created($"/v1/groups/{Uri.EscapeDataString(name)}", view) : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<GroupView>, ProblemHttpResult>> GetGroupAsync([StringLength(128, MinimumLength = 1)] string name, TenantGrains data) =>
        await data.CampaignDirectory.GetGroupAsync(name) is { } members
            ? TypedResults.Ok(new GroupView(name, members))
            : Problems.NotFound("Unknown group", $"No group '{name}' is defined.");

    private static async Task<Results<Created<CampaignResponse>, Ok<CampaignResponse>, ValidationProblem>> PutCampaignAsync(
        [StringLength(128, MinimumLength = 1)] string campaignId, CampaignBody body, TenantGrains data)
    {
        var errors = new Dictionary<string, string[]>();
        var posts = body.Posts ?? [];
        if (posts.Length == 0 && body.Rule is null)
        {
            errors["posts"] = ["Give a list of posts, a rule, or both."];
        }

        if (posts.Length > MaxPosts)
        {
            errors["posts"] = [$"A campaign lists at most {MaxPosts} posts."];
        }

        if (posts.FirstOrDefault(id => id.Length is 0 or > 128) is { } bad)
        {
            errors["posts"] = [$"Post ids have 1 to 128 characters; '{Truncate(bad)}' does not."];
        }

        CampaignRule? rule = null;
        if (body.Rule is { } r)
        {
            var (tags, groupNames) = (r.Tags ?? [], r.Groups ?? []);
            if (tags.Length == 0 && groupNames.Length == 0)
            {
                errors["rule"] = ["A rule needs tags or groups (a time window alone would take every post)."];
            }

            if (r.From is { } from && r.To is { } to && from >= to)
            {
                errors["rule.to"] = ["'to' must be later than 'from'."];
            }

            var known = await data.CampaignDirectory.GetGroupsAsync();
            if (groupNames.Where(g => !known.ContainsKey(g)).ToList() is { Count: > 0 } unknown)
            {
                errors["rule.groups"] = [$"Unknown groups: {string.Join(", ", unknown)}; define them with PUT /v1/groups/{{name}} first."];
            }

            rule = new CampaignRule(tags, groupNames, r.From?.UtcTicks, r.To?.UtcTicks);
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var campaign = data.Campaign(campaignId);
        var existed = await campaign.GetAsync() is not null;
        var view = await campaign.DefineAsync(new CampaignDefinition(campaignId, body.Name, [.. posts.Distinct(StringComparer.Ordinal)], rule));
        var response = Response(view);
        return existed ? TypedResults.Ok(response) : TypedResults.Created($"/v1/campaigns/{Uri.EscapeDataString(campaignId)}", response);
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> GetCampaignAsync(
        [StringLength(128, MinimumLength = 1)] string campaignId, TenantGrains data) =>
        await data.Campaign(campaignId).GetAsync() is { } view
            ? TypedResults.Ok(Response(view))
            : UnknownCampaign(campaignId);

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetCampaignMetricsAsync(
        [StringLength(128, MinimumLength = 1)] string campaignId, string? bucket, TenantGrains data)
    {
        if (!PostsApi.TryParseBucket(bucket ?? "1h", out var width))
        {
            return PostsApi.InvalidBucket(bucket);
        }

        var read = await data.Campaign(campaignId).GetMetricsAsync(width);
        return read.Status switch
        {
            ReadStatus.Ready => TypedResults.Bytes(read.Json!, "application/json"),
            ReadStatus.Invalid => Problems.BadRequest("Invalid bucket", read.Problem!),
            _ => UnknownCampaign(campaignId),
        };
    }

    private static CampaignResponse Response(CampaignView view) => new(
        view.Definition.Id,
        view.Definition.Name,
        view.Definition.Posts,
        view.Definition.Rule is { } rule
            ? new CampaignRuleView(rule.Tags, rule.Groups, At(rule.From), At(rule.To))
            : null,
        view.Posts);

    private static DateTimeOffset? At(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    private static ProblemHttpResult UnknownCampaign(string campaignId) => Problems.NotFound("Unknown campaign", $"No campaign '{campaignId}' is defined.");

    private static string Truncate(string id) => id.Length > 40 ? id[..40] + "…" : id;

}
