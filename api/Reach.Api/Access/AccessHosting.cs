using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Reach.Grains;

namespace Reach.Api.Access;

/// <summary>
/// Every route needs a valid key unless it is marked anonymous (the home page, probes, /metrics,
/// the API description), and each data route names the scope it needs. Keys are rate-limited each
/// on their own token bucket.
/// </summary>
public static class AccessHosting
{
    public const string OperatorPolicy = "operator";

    public static string PolicyFor(ApiScopes scope) => "scope:" + ApiKeys.NameOf(scope);

    public static IServiceCollection AddReachAccess(this IServiceCollection services)
    {
        services.AddSingleton<ConfiguredKeys>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        var authorization = services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(OperatorPolicy, policy => policy.RequireClaim(ReachClaims.OperatorType));
        foreach (var (scope, name) in ApiKeys.Scopes)
        {
            authorization.AddPolicy(PolicyFor(scope), policy => policy.RequireClaim(ReachClaims.ScopeType, name));
        }

        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessProblems>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ReachOptions>>((limiter, reach) =>
        {
            var settings = reach.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.User.FindFirstValue(ReachClaims.KeyIdType) is { } keyId
                    ? RateLimitPartition.GetTokenBucketLimiter(keyId, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = settings.RateLimitBurst,
                        TokensPerPeriod = settings.RateLimitPermits,
                        ReplenishmentPeriod = settings.RateLimitPeriod,
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter(string.Empty));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (rejected, _) =>
            {
                var context = rejected.HttpContext;
                var detail = $"This API key may make {settings.RateLimitPermits} requests per {settings.RateLimitPeriod.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (bursts of {settings.RateLimitBurst}).";
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                    context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                    detail += $" Retry after {seconds} s.";
                }

                await AccessProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", detail);
            };
        });
        return services;
    }

    public static WebApplication UseReachAccess(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The route needs a key of the caller's tenant with this scope.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ApiScopes scope) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyFor(scope));
}

/// <summary>401 and 403 as problem details that say what was wrong with the key.</summary>
public sealed class AccessProblems : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            context.Response.Headers.WWWAuthenticate = new(["Bearer realm=\"Reach\"", "Basic realm=\"Reach\""]);
            var reason = context.Items[ApiKeyAuthenticationHandler.FailureItem] as string
                ?? $"Send an API key: 'Authorization: Bearer <key>' or '{ApiKeyAuthenticationHandler.ApiKeyHeader}: <key>'.";
            await WriteAsync(context, StatusCodes.Status401Unauthorized, "API key missing or not valid", reason);
        }
        else if (authorizeResult.Forbidden)
        {
            var needed = policy.Requirements.OfType<ClaimsAuthorizationRequirement>().ToList();
            var detail = needed.Any(r => r.ClaimType == ReachClaims.OperatorType)
                ? "Only the operator's key (Reach:OperatorKey) may do this."
                : $"This API key lacks the scope {string.Join(" and ", needed.SelectMany(r => r.AllowedValues ?? []).Select(s => $"'{s}'"))} that this route needs.";
            await WriteAsync(context, StatusCodes.Status403Forbidden, "Scope missing", detail);
        }
        else
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
        }
    }

    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
