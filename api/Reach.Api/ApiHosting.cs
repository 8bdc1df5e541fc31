using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;
using Reach.Api.Access;
using Reach.Api.Endpoints;
using Reach.Api.Observability;
using Reach.Grains;
using Reach.Api.Ingest;
using Reach.Api.Sample;
using Scalar.AspNetCore;

namespace Reach.Api;

public static class ApiHosting
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddReachApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<Endpoints.BadRequestHandler>();
        builder.Services.AddExceptionHandler<Endpoints.ClusterUnavailableHandler>();
        builder.Services.AddValidation();
        builder.Services.AddOpenApi(options => options.AddApiKeySecurity().AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Reach";
            document.Info.Description = "Reach and virality analytics for repost cascades: ingest events, read cascade metrics, export cascades, " +
                "prove what campaigns reached. Every /v1 route needs an API key of one tenant with the scope the route names.";
            return Task.CompletedTask;
        }));
        builder.Services.AddReachAccess();
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        var maxBatchBytes = builder.Configuration.GetValue(ReachSettings.MaxBatchBytes, 256L * 1024 * 1024);
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = maxBatchBytes);
        builder.Services.AddSingleton(new IngestLimits(maxBatchBytes));
        builder.Services.AddSingleton<IngestService>();
        builder.Services.AddSingleton<SampleLoader>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SampleLoader>());
        builder.Services.AddReachHealth();
        builder.Services.AddSingleton<WatchGauges>();
        builder.Services.AddSingleton<ClusterGauge>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ReachMeters.MeterName, WatchGauges.MeterName, ClusterGauge.MeterName, OrleansMeterName, AspNetCoreMeterName)
            .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary>Orleans' own instruments (activations, messaging, storage).</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>ASP.NET Core's request instruments (http_server_request_duration_seconds by route and status).</summary>
    public const string AspNetCoreMeterName = "Microsoft.AspNetCore.Hosting";

    public static WebApplication MapReachApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseReachAccess();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(options => options.AddPreferredSecuritySchemes(ApiKeyAuthenticationHandler.SchemeName)).AllowAnonymous();
        app.MapHome();
        app.MapEvents();
        app.MapPosts();
        app.MapAccounts();
        app.MapCampaigns();
        app.MapWatch();
        app.MapKeys();
        app.MapReachHealth();

        app.Services.GetRequiredService<ClusterGauge>();

        // The watch gauges read their grains before the exporter collects.
        app.UseWhen(context => context.Request.Path == MetricsPath, branch => branch.Use(async (context, next) =>
        {
            await context.RequestServices.GetRequiredService<WatchGauges>().RefreshAsync(context.RequestAborted);
            await next(context);
        }));
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        return app;
    }
}
