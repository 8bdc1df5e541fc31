using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Reach.Api.Access;
using Reach.Grains;

namespace Reach.Api.Endpoints;

/// <summary>What Reach knows of one account and the posts it authored.</summary>
/// <param name="Followers">f(u): the latest reported follower count, else the size of the known follower set; null when neither is known.</param>
/// <param name="KnownFollowers">Size of the follower set known from follow events and follower lists.</param>
/// <param name="RepostsReceived">Reposts and quotes in the cascades of this account's posts.</param>
/// <param name="RepostsMade">Reposts this account made of anyone's posts.</param>
public sealed record AccountMetrics(
    string AccountId,
    string? Handle,
    long? Followers,
    long KnownFollowers,
    int Posts,
    long RepostsReceived,
    int RepostsMade,
    double? MeanStructuralVirality,
    double? MaxStructuralVirality);

public static class AccountsApi
{
    public static RouteGroupBuilder MapAccounts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/accounts/{accountId}").WithTags("Accounts").RequireScope(ApiScopes.Read);
        group.MapGet("/metrics", GetMetricsAsync)
            .WithName("GetAccountMetrics")
            .WithSummary("Metrics of an account")
            .WithDescription("Posts, reposts received and made, followers, and the mean and largest structural virality of its posts.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<AccountMetrics>, ProblemHttpResult>> GetMetricsAsync(
        [StringLength(128, MinimumLength = 1)] string accountId, TenantGrains data) =>
        await ReadAsync(data, accountId) is { } metrics
            ? TypedResults.Ok(metrics)
            : Problems.NotFound("Unknown account", $"No account '{accountId}' is known.");

    /// <summary>An account's metrics, or null when nothing is known of it.</summary>
    internal static async Task<AccountMetrics?> ReadAsync(TenantGrains data, string accountId)
    {
        var viewTask = data.Account(accountId).GetAsync();
        var profileTask = data.AccountIndex(accountId).GetProfileAsync(accountId);
        var (view, profile) = (await viewTask, await profileTask);
        if (view is null && profile is null)
        {
            return null;
        }

        var posts = await CurrentAsync(data, view?.Posts ?? []);
        var virality = posts.Where(p => p.StructuralVirality.HasValue).Select(p => p.StructuralVirality!.Value).ToList();
        return new AccountMetrics(
            accountId,
            profile?.Handle,
            profile?.Followers ?? (view is { FollowersKnown: true } ? view.KnownFollowers : null),
            view?.KnownFollowers ?? 0,
            posts.Length,
            posts.Sum(p => (long)p.Reposts),
            profile?.RepostsMade ?? 0,
            virality.Count > 0 ? virality.Average() : null,
            virality.Count > 0 ? virality.Max() : null);
    }

    /// <summary>Most accounts have few posts: ask their cascades for current summaries (attribution moves with follows that arrive later).</summary>
    private static async Task<PostSummary[]> CurrentAsync(TenantGrains data, PostSummary[] stored)
    {
        const int AskAtMost = 1000;
        if (stored.Length > AskAtMost)
        {
            return stored;
        }

        var current = await Task.WhenAll(stored.Select(p => data.Cascade(p.PostId).GetSummaryAsync()));
        return [.. current.Select((summary, i) => summary ?? stored[i])];
    }
}
