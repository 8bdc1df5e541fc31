using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using Reach.Analysis.Events;
using Reach.Api.Access;
using Reach.Api.Ingest;
using Reach.Grains;

namespace Reach.Api.Endpoints;

public sealed record IngestLimits(long MaxBatchBytes);

public static class EventsApi
{
    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/events").WithTags("Events").RequireScope(ApiScopes.Ingest);
        group.MapPost("", IngestAsync)
            .WithName("IngestEvents")
            .WithSummary("Ingest a batch of events")
            .WithDescription(
                "Takes NDJSON (application/x-ndjson, one event per line) or a JSON array (application/json) of events of any type " +
                "of the spec: account, follow, unfollow, followers, post, repost, quote, reply, like, impressions. " +
                "A batch with an invalid event is refused whole with a 400 naming each bad line, unless invalid=skip, " +
                "which stores the valid events and lists the bad lines. Re-sending events changes nothing; " +
                "events may arrive in any order. The follower graph: follow/unfollow (accountId follows or unfollows targetId; " +
                "per pair the latest at wins, unfollow on a tie), and followers, the bulk import of an account's whole follower list " +
                "({\"type\":\"followers\",\"accountId\":\"a\",\"followerIds\":[\"f1\",\"f2\"],\"at\":\"…\"}), which replaces the known set " +
                "as of its at (lists with the same at are united; pair events later than the list apply on top). " +
                "A repost without parentPostId gets its parent inferred from the follower graph.")
            .Accepts<EventDocument[]>("application/json", "application/x-ndjson")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return group;
    }

    /// <param name="invalid">"reject" (default): a batch with an invalid event stores nothing. "skip": valid events are stored and the bad lines listed.</param>
    private static async Task<Results<Ok<IngestReport>, ProblemHttpResult>> IngestAsync(
        HttpRequest request, ClaimsPrincipal user, IngestService ingest, IngestLimits limits, string? invalid, CancellationToken cancellationToken)
    {
        if (invalid is not (null or "reject" or "skip"))
        {
            return Problems.BadRequest("Invalid query parameter", $"'invalid' must be 'reject' or 'skip', not '{invalid}'.");
        }

        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var ndjson = mediaType is "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/jsonlines";
        if (!ndjson && mediaType is not "application/json")
        {
            return TypedResults.Problem(
                $"Send events as application/x-ndjson (one per line) or application/json (an array), not '{request.ContentType ?? "no content type"}'.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type");
        }

        if (await ReadBodyAsync(request.BodyReader, limits.MaxBatchBytes, cancellationToken) is not { } body)
        {
            return TypedResults.Problem($"A batch may hold at most {limits.MaxBatchBytes} bytes; split it.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Batch too large");
        }

        ParsedBatch parsed;
        using (body)
        {
            parsed = ndjson ? EventParser.ParseNdjson(body.Bytes) : EventParser.ParseJsonArray(body.Bytes);
        }

        if (parsed.Events.Count == 0 && parsed.Errors.Count == 0)
        {
            return Problems.BadRequest("Empty batch", "The batch holds no events.");
        }

        var started = Stopwatch.GetTimestamp();
        var outcome = await ingest.IngestAsync(parsed.Events, parsed.Errors, skipInvalid: invalid == "skip" && !parsed.Unreadable, user.Tenant());
        ReachMeters.IngestBatchSize.Record(parsed.Events.Count + parsed.Errors.Count);
        ReachMeters.IngestSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (outcome.Refused is { } refused)
        {
            return Problems.BadRequest(
                "The batch has invalid events",
                $"{refused.Count} of {parsed.Events.Count + parsed.Errors.Count} events are invalid; nothing was stored. " +
                "Fix the lines listed in 'errors', or send with ?invalid=skip to store the valid ones.",
                new Dictionary<string, object?> { ["errors"] = refused.Select(e => new LineProblem(e.Line, e.Reason)).ToArray() });
        }

        return TypedResults.Ok(outcome.Report);
    }

    /// <summary>
    /// The whole body, null when it is longer than <paramref name="maxBytes"/>. A batch of a
    /// thousand events is larger than the 85 kB from which an array goes to the large-object heap,
    /// which only a full collection reclaims, so bodies up to <see cref="PooledBodyBytes"/> go into a
    /// buffer rented from the shared pool instead of a new array per request.
    /// </summary>
    private static async Task<RequestBody?> ReadBodyAsync(PipeReader reader, long maxBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > maxBytes)
            {
                reader.AdvanceTo(result.Buffer.End);
                return null;
            }

            if (result.IsCompleted)
            {
                var length = (int)result.Buffer.Length;
                var pooled = length <= PooledBodyBytes;
                var buffer = pooled ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];
                result.Buffer.CopyTo(buffer);
                reader.AdvanceTo(result.Buffer.End);
                return new RequestBody(buffer, length, pooled);
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>Larger bodies get an array of their own, so that the pool does not keep one of up to the batch limit for good.</summary>
    private const int PooledBodyBytes = 8 * 1024 * 1024;

    private readonly record struct RequestBody(byte[] Buffer, int Length, bool Pooled) : IDisposable
    {
        public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

        public void Dispose()
        {
            if (Pooled)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
            }
        }
    }
}

/// <summary>One event of the neutral format (for the OpenAPI document; the parser reads the raw body).</summary>
/// <param name="Type">account, follow, unfollow, followers, post, repost, quote, reply, like or impressions.</param>
/// <param name="At">ISO-8601 time with an offset.</param>
/// <param name="AccountId">The acting account; for follow/unfollow the follower, for followers the followed account.</param>
/// <param name="TargetId">follow/unfollow: the account followed or unfollowed.</param>
/// <param name="FollowerIds">followers: the account's whole follower list as of at (bulk import).</param>
/// <param name="ParentPostId">repost: the repost it came through, when the platform says so; absent means unknown (inferred from the follower graph). reply: the post replied to.</param>
public sealed record EventDocument(
    string Type,
    DateTimeOffset At,
    string? PostId,
    string? AccountId,
    string? RootPostId,
    string? ParentPostId,
    string? QuotedPostId,
    string? TargetId,
    string? Handle,
    long? Followers,
    long? Count,
    string[]? Tags,
    string[]? FollowerIds);
