using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Reach.Analysis.Synthetic;
using Reach.Api.Access;
using Reach.Api.Ingest;
using Reach.Grains;

namespace Reach.Api.Sample;

/// <summary>
/// Once the host has started: on the embedded default (in-memory storage, loopback only), makes
/// up a development key unless one is configured; loads the bundled motivating case into the
/// tenant "default" when asked to; prints the key and the URLs to open.
/// </summary>
public sealed class SampleLoader(
    IOptions<ReachOptions> options, IHostApplicationLifetime lifetime, IServer server, IngestService ingest, ConfiguredKeys keys, ILogger<SampleLoader> logger)
    : BackgroundService
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the sample is in (or at once when no sample is to be loaded).</summary>
    public Task Loaded => _loaded.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stoppingToken);

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var address = addresses.FirstOrDefault() ?? "http://localhost:5000";
        address = address.Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://+", "://localhost").TrimEnd('/');
        string? createdKey = null;
        var embedded = options.Value.Storage == ReachOptions.Memory;
        if (embedded && !keys.HasDevelopmentKey)
        {
            if (addresses.All(IsLoopback))
            {
                createdKey = keys.CreateDevelopmentKey();
            }
            else
            {
                logger.LogWarning(
                    "No development key was made: the service listens beyond loopback ({Addresses}). Set Reach:DevelopmentKey or Reach:OperatorKey.",
                    string.Join(", ", addresses));
            }
        }

        if (options.Value.LoadSample)
        {
            var events = MotivatingCase.Events();
            var numbered = events.Select((e, i) => new Analysis.Events.NumberedEvent(i + 1, e)).ToList();
            var outcome = await ingest.IngestAsync(numbered, [], skipInvalid: false, ConfiguredKeys.DevelopmentTenant);
            logger.LogInformation("Loaded the motivating-case sample: {Accepted} events accepted, {Duplicates} already present.",
                outcome.Report?.Accepted, outcome.Report?.Duplicates);
        }

        _loaded.TrySetResult();

        var root = MotivatingCase.RootPostId;
        var key = createdKey ?? (keys.HasDevelopmentKey ? "<the key in Reach:DevelopmentKey>" : "<key>");
        Console.WriteLine($"""

            Reach is running: {(embedded ? "one silo, in-memory storage" : $"{options.Value.Storage} storage")}{(options.Value.LoadSample ? ", motivating-case sample loaded into tenant \"default\"" : "")}.
            {(keys.HasDevelopmentKey ? $"Development key (tenant \"default\", scopes ingest, read, admin):\n  {key}" : "No development key: keys come from the operator (POST /v1/tenants/{tenant}/keys with Reach:OperatorKey).")}

            Every /v1 route needs it: send 'Authorization: Bearer <key>' (curl -H), or give it as the password when a browser asks.
              curl -H 'Authorization: Bearer {key}' {address}/v1/posts/{root}/metrics
              {address}/v1/posts/{root}/metrics
              {address}/v1/posts/{root}/cascade
              {address}/v1/posts/{root}/timeline?bucket=1h
              {address}/v1/posts/{root}/amplifiers
              {address}/v1/accounts/{MotivatingCase.AuthorId}/metrics
              {address}/scalar          (API reference; OpenAPI at {address}/openapi/v1.json)

            """);
    }

    private static bool IsLoopback(string address)
    {
        var host = new Uri(address.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0")).Host.Trim('[', ']');
        return host == "localhost" || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }
}
