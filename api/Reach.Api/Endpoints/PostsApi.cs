using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;
using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;
using Reach.Analysis.Export;
using Reach.Api.Access;
using Reach.Grains;

namespace Reach.Api.Endpoints;

public static partial class PostsApi
{
    public static RouteGroupBuilder MapPosts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/posts/{postId}").WithTags("Posts").RequireScope(ApiScopes.Read);
        group.MapGet("/metrics", GetMetricsAsync)
            .WithName("GetPostMetrics")
            .WithSummary("Cascade metrics of a root post")
            .WithDescription("Size, depth, breadth, structural virality, timing, and audience of the post's repost cascade: exposure, reach (exact, or a HyperLogLog estimate beyond the exact limit), earned reach, the multiplier, the stranger share and frequency, and how many edges rest on explicit, inferred and fallback attribution.")
            .Produces<CascadeMetrics>(StatusCodes.Status200OK, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/cascade", GetCascadeAsync)
            .WithName("GetPostCascade")
            .WithSummary("The cascade as a graph")
            .WithDescription("Nodes and edges as JSON (default), or GraphML (format=graphml) or GEXF 1.3 (format=gexf) for Gephi and other graph tools. Every edge says how it was attributed: explicit, inferred (time-inferred from the follower graph) or root (fallback).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json", additionalContentTypes: [GraphMlType, GexfType])
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/timeline", GetTimelineAsync)
            .WithName("GetPostTimeline")
            .WithSummary("Reposts and reach per time bucket")
            .WithDescription("Reposts per bucket and cumulative, and cumulative reach at each bucket's end, buckets aligned on the post's time. bucket: 30s, 5m, 1h, 1d … or an ISO-8601 duration (PT1H); default 1h.")
            .Produces<CascadeTimeline>(StatusCodes.Status200OK, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/amplifiers", GetAmplifiersAsync)
            .WithName("GetPostAmplifiers")
            .WithSummary("Who carried the post")
            .WithDescription("The top reposts by marginalReach (followers of the reposter reached by no earlier node, in time order) or by downstream (reposts that came through it), with the reposter's follower count. top: 1–1000, default 10; by: marginalReach (default) or downstream.")
            .Produces<AmplifierList>(StatusCodes.Status200OK, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAmplifiersAsync(
        [StringLength(128, MinimumLength = 1)] string postId,
        [Range(1, 1000)] int? top,
        [AllowedValues("marginalReach", "downstream", null)] string? by,
        TenantGrains data)
    {
        var order = by == "downstream" ? AmplifierOrder.Downstream : AmplifierOrder.MarginalReach;
        var read = await data.Cascade(postId).GetAmplifiersAsync(top ?? 10, order);
        return read.Status == ReadStatus.Ready ? TypedResults.Bytes(read.Json!, "application/json") : await NotReadyAsync(data, postId, read);
    }

    private const string GraphMlType = "application/graphml+xml";
    private const string GexfType = "application/gexf+xml";

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetMetricsAsync(
        [StringLength(128, MinimumLength = 1)] string postId, TenantGrains data, HttpResponse response)
    {
        var read = await data.Cascade(postId).GetMetricsAsync();
        if (read.Silo is { } silo)
        {
            response.Headers["Reach-Silo"] = silo;
        }

        return read.Status == ReadStatus.Ready ? TypedResults.Bytes(read.Json!, "application/json") : await NotReadyAsync(data, postId, read);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetCascadeAsync(
        [StringLength(128, MinimumLength = 1)] string postId,
        [AllowedValues("json", "graphml", "gexf", null)] string? format,
        TenantGrains data)
    {
        var grain = data.Cascade(postId);
        var arrays = await grain.GetCascadeAsync();
        if (arrays is null)
        {
            return await NotReadyAsync(data, postId, await grain.GetMetricsAsync());
        }

        var export = new CascadeExport(
            arrays.RootPostId, arrays.PostIds, arrays.AccountIds, arrays.Parents, arrays.Times,
            [.. arrays.Kinds.Select(k => (NodeKind)k)], [.. arrays.Attributions.Select(a => (Attribution)a)]);
        using var buffer = new MemoryStream();
        switch (format ?? "json")
        {
            case "graphml":
                CascadeWriters.WriteGraphMl(export, buffer);
                return TypedResults.Bytes(buffer.ToArray(), GraphMlType, $"{SafeFileName(postId)}.graphml");
            case "gexf":
                CascadeWriters.WriteGexf(export, buffer);
                return TypedResults.Bytes(buffer.ToArray(), GexfType, $"{SafeFileName(postId)}.gexf");
            default:
                CascadeWriters.WriteJson(export, buffer);
                return TypedResults.Bytes(buffer.ToArray(), "application/json");
        }
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetTimelineAsync(
        [StringLength(128, MinimumLength = 1)] string postId, string? bucket, TenantGrains data)
    {
        if (!TryParseBucket(bucket ?? "1h", out var width))
        {
            return InvalidBucket(bucket);
        }

        var read = await data.Cascade(postId).GetTimelineAsync(width);
        return read.Status switch
        {
            ReadStatus.Ready => TypedResults.Bytes(read.Json!, "application/json"),
            ReadStatus.Invalid => Problems.BadRequest("Invalid bucket", read.Problem!),
            _ => await NotReadyAsync(data, postId, read),
        };
    }

    internal static ProblemHttpResult InvalidBucket(string? bucket) => Problems.BadRequest("Invalid bucket",
        $"'bucket' must be a positive duration of at least one second such as 30s, 5m, 1h, 1d or PT1H, not '{bucket}'.");

    internal static bool TryParseBucket(string text, out TimeSpan bucket)
    {
        bucket = TimeSpan.Zero;
        var match = ShortDuration().Match(text);
        if (match.Success)
        {
            var amount = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var unit = match.Groups[2].Value switch
            {
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => TimeSpan.TicksPerDay,
            };
            if (amount > TimeSpan.MaxValue.Ticks / unit)
            {
                return false;
            }

            bucket = TimeSpan.FromTicks(amount * unit);
        }
        else if (text.StartsWith('P'))
        {
            try
            {
                bucket = XmlConvert.ToTimeSpan(text);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                return false;
            }
        }

        return bucket >= TimeSpan.FromSeconds(1);
    }

    [GeneratedRegex("^([0-9]{1,12})(s|m|h|d)$")]
    private static partial Regex ShortDuration();

    /// <summary>404 for a post that is not there: unknown, or not arrived with events waiting for it (in its cascade and in the directory).</summary>
    private static async Task<ProblemHttpResult> NotReadyAsync(TenantGrains data, string postId, JsonRead read)
    {
        var waiting = read.WaitingEvents + await data.PostDirectory(postId).CountWaitingAsync(postId);
        return waiting > 0
            ? Problems.NotFound("Post not arrived yet",
                $"Post '{postId}' has not arrived yet; {waiting} events are waiting for it.",
                new Dictionary<string, object?> { ["waitingEvents"] = waiting })
            : Problems.NotFound("Unknown post", $"No post '{postId}' is known.");
    }

    private static string SafeFileName(string postId) => string.Concat(postId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
