using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Reach.Analysis.Synthetic;
using Reach.Api.Ingest;
using Reach.Grains;

namespace Reach.Api.Sample;

/// <summary>
/// On the embedded default, loads the bundled motivating case once the host has started and
/// prints the URLs to open.
/// </summary>
public sealed class SampleLoader(
    IOptions<ReachOptions> options, IHostApplicationLifetime lifetime, IServer server, IngestService ingest, ILogger<SampleLoader> logger)
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

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
        address = address.Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://+", "://localhost").TrimEnd('/');
        if (options.Value.LoadSample)
        {
            var events = MotivatingCase.Events();
            var numbered = events.Select((e, i) => new Analysis.Events.NumberedEvent(i + 1, e)).ToList();
            var outcome = await ingest.IngestAsync(numbered, [], skipInvalid: false);
            logger.LogInformation("Loaded the motivating-case sample: {Accepted} events accepted, {Duplicates} already present.",
                outcome.Report?.Accepted, outcome.Report?.Duplicates);
        }

        _loaded.TrySetResult();

        var root = MotivatingCase.RootPostId;
        Console.WriteLine($"""

            Reach is running: one silo, {options.Value.Storage} storage{(options.Value.LoadSample ? ", motivating-case sample loaded" : "")}.
            Open:
              {address}/v1/posts/{root}/metrics
              {address}/v1/posts/{root}/cascade
              {address}/v1/posts/{root}/timeline?bucket=1h
              {address}/v1/posts/{root}/amplifiers
              {address}/v1/accounts/{MotivatingCase.AuthorId}/metrics
              {address}/scalar          (API reference; OpenAPI at {address}/openapi/v1.json)

            """);
    }
}
