using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Reach.Grains;

namespace Reach.Api.Observability;

/// <summary>
/// /health/startup: the host (and so the co-hosted silo) has started. /health/ready: the silo is an
/// active member of its cluster and runs grains. /health/live: the process answers HTTP; no grain
/// call and no remote I/O, so a slow database or a busy cluster never gets a healthy pod restarted.
/// </summary>
public static class Health
{
    public const string StartupPath = "/health/startup";
    public const string ReadyPath = "/health/ready";
    public const string LivePath = "/health/live";

    private const string Startup = "startup";
    private const string Ready = "ready";
    private const string Live = "live";

    public static IServiceCollection AddReachHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<StartedCheck>("started", tags: [Startup, Ready])
            .AddCheck<ClusterMemberCheck>("cluster-member", tags: [Ready])
            .AddCheck("responding", () => HealthCheckResult.Healthy("The process answers."), tags: [Live]);
        return services;
    }

    public static WebApplication MapReachHealth(this WebApplication app)
    {
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        group.MapGet("/startup", (HealthCheckService health, CancellationToken cancellationToken) => CheckAsync(health, Startup, cancellationToken))
            .WithName("HealthStartup")
            .WithSummary("Startup probe")
            .WithDescription("200 Healthy once the host and its silo have started; 503 before, and once stopping.");
        group.MapGet("/ready", (HealthCheckService health, CancellationToken cancellationToken) => CheckAsync(health, Ready, cancellationToken))
            .WithName("HealthReady")
            .WithSummary("Readiness probe")
            .WithDescription("200 Healthy while the silo is an active member of its cluster and runs grains; 503 otherwise.");
        group.MapGet("/live", (HealthCheckService health, CancellationToken cancellationToken) => CheckAsync(health, Live, cancellationToken))
            .WithName("HealthLive")
            .WithSummary("Liveness probe")
            .WithDescription("200 Healthy while the process answers HTTP. Makes no grain call and no remote I/O.");
        return app;
    }

    private static async Task<ContentHttpResult> CheckAsync(HealthCheckService health, string tag, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(tag), cancellationToken);
        return TypedResults.Text(
            report.Status.ToString(),
            "text/plain",
            statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private sealed class StartedCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Healthy("Started.")
                : HealthCheckResult.Unhealthy(lifetime.ApplicationStopping.IsCancellationRequested ? "Stopping." : "Starting."));
    }

    private sealed class ClusterMemberCheck(IClusterMembershipService membership, ILocalSiloDetails silo, IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
            if (status != SiloStatus.Active)
            {
                return HealthCheckResult.Unhealthy($"The silo is {status}, not an active cluster member.");
            }

            await grains.GetGrain<IPingGrain>(0).PingAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy("Active and running grains.");
        }
    }
}
