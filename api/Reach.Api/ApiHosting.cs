using Microsoft.AspNetCore.Server.Kestrel.Core;
using Reach.Api.Endpoints;
using Reach.Api.Ingest;
using Reach.Api.Sample;
using Scalar.AspNetCore;

namespace Reach.Api;

public static class ApiHosting
{
    public static WebApplicationBuilder AddReachApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<Endpoints.BadRequestHandler>();
        builder.Services.AddExceptionHandler<Endpoints.ClusterUnavailableHandler>();
        builder.Services.AddValidation();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Reach";
            document.Info.Description = "Reach and virality analytics for repost cascades: ingest events, read cascade metrics, export cascades.";
            return Task.CompletedTask;
        }));
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        var maxBatchBytes = builder.Configuration.GetValue("Reach:MaxBatchBytes", 256L * 1024 * 1024);
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = maxBatchBytes);
        builder.Services.AddSingleton(new IngestLimits(maxBatchBytes));
        builder.Services.AddSingleton<IngestService>();
        builder.Services.AddSingleton<SampleLoader>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SampleLoader>());
        return builder;
    }

    public static WebApplication MapReachApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapHome();
        app.MapEvents();
        app.MapPosts();
        app.MapAccounts();
        return app;
    }
}
