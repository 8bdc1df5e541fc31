using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Reach.Api.Access;
using Reach.Grains;

namespace Reach.Api.Endpoints;

public static class WatchApi
{
    public static RouteGroupBuilder MapWatch(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/watch").WithTags("Watch");
        group.MapGet("", GetAsync)
            .WithName("GetWatchList")
            .WithSummary("The watch list")
            .RequireScope(ApiScopes.Read)
            .WithDescription("Posts and accounts pinned for their own gauges on /metrics, and how many may be pinned at once (Reach:WatchListLimit).");
        group.MapPut("/posts/{postId}", WatchPostAsync)
            .WithName("WatchPost")
            .WithSummary("Watch a post")
            .RequireScope(ApiScopes.Admin)
            .WithDescription("Pins a post: /metrics then carries reach_watch_post_reposts, _reach, _multiplier and _velocity_per_hour for it (label post_id). 201 when added, 200 when it was already watched, 409 when the list is full.")
            .Produces(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/posts/{postId}", UnwatchPostAsync)
            .WithName("UnwatchPost")
            .WithSummary("Stop watching a post")
            .RequireScope(ApiScopes.Admin)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/accounts/{accountId}", WatchAccountAsync)
            .WithName("WatchAccount")
            .WithSummary("Watch an account")
            .RequireScope(ApiScopes.Admin)
            .WithDescription("Pins an account: /metrics then carries reach_watch_account_followers, _posts and _reposts_received for it (label account_id). 201 when added, 200 when it was already watched, 409 when the list is full.")
            .Produces(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/accounts/{accountId}", UnwatchAccountAsync)
            .WithName("UnwatchAccount")
            .WithSummary("Stop watching an account")
            .RequireScope(ApiScopes.Admin)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Ok<WatchList>> GetAsync(TenantGrains data) =>
        TypedResults.Ok(await data.WatchList.GetAsync());

    private static Task<Results<Created, Ok, ProblemHttpResult>> WatchPostAsync([StringLength(128, MinimumLength = 1)] string postId, TenantGrains data) =>
        WatchAsync(WatchKind.Post, postId, data);

    private static Task<Results<NoContent, ProblemHttpResult>> UnwatchPostAsync([StringLength(128, MinimumLength = 1)] string postId, TenantGrains data) =>
        UnwatchAsync(WatchKind.Post, postId, data);

    private static Task<Results<Created, Ok, ProblemHttpResult>> WatchAccountAsync([StringLength(128, MinimumLength = 1)] string accountId, TenantGrains data) =>
        WatchAsync(WatchKind.Account, accountId, data);

    private static Task<Results<NoContent, ProblemHttpResult>> UnwatchAccountAsync([StringLength(128, MinimumLength = 1)] string accountId, TenantGrains data) =>
        UnwatchAsync(WatchKind.Account, accountId, data);

    private static async Task<Results<Created, Ok, ProblemHttpResult>> WatchAsync(WatchKind kind, string id, TenantGrains data) =>
        await data.WatchList.WatchAsync(kind, id) switch
        {
            WatchOutcome.Added => TypedResults.Created(),
            WatchOutcome.AlreadyWatched => TypedResults.Ok(),
            _ => TypedResults.Problem(
                $"The watch list holds its limit of {(await data.WatchList.GetAsync()).Limit} posts and accounts; remove one first (DELETE /v1/watch/posts/… or /v1/watch/accounts/…).",
                statusCode: StatusCodes.Status409Conflict, title: "Watch list full"),
        };

    private static async Task<Results<NoContent, ProblemHttpResult>> UnwatchAsync(WatchKind kind, string id, TenantGrains data) =>
        await data.WatchList.UnwatchAsync(kind, id)
            ? TypedResults.NoContent()
            : Problems.NotFound("Not watched", $"'{id}' is not on the watch list.");
}
