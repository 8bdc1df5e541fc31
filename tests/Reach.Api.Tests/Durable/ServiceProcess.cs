using System.Diagnostics;
using System.Net;
using System.Text;

namespace Reach.Api.Tests.Durable;

/// <summary>
/// The service (silo and API) running as a separate process on PostgreSQL, as it runs in
/// production: it can be killed with SIGKILL, stopped with SIGTERM and started again on the same
/// ports and database.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process, ServicePorts ports)
    {
        _process = process;
        Ports = ports;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}"), Timeout = TimeSpan.FromSeconds(60) };
        Client.DefaultRequestHeaders.Authorization = new("Bearer", TestKeys.Development);
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public ServicePorts Ports { get; }

    public HttpClient Client { get; }

    /// <summary>What the process printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ServiceProcess> StartAsync(string connectionString, ServicePorts ports, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Reach.Api.dll"));
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ports.Http}",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Reach__Storage"] = "postgres",
            ["ConnectionStrings__Reach"] = connectionString,
            ["Reach__SiloPort"] = ports.Silo.ToString(),
            ["Reach__GatewayPort"] = ports.Gateway.ToString(),
            ["Reach__LoadSample"] = "false",
            ["Reach__DevelopmentKey"] = TestKeys.Development,
            ["Reach__OperatorKey"] = TestKeys.Operator,
            ["Logging__LogLevel__Default"] = "Warning",

            // Declare a killed silo dead within seconds, not the production minute.
            ["Reach__Membership__ProbeTimeout"] = "00:00:01",
            ["Reach__Membership__NumMissedProbesLimit"] = "2",
            ["Reach__Membership__NumVotesForDeathDeclaration"] = "1",
            ["Reach__Membership__TableRefreshTimeout"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var service = new ServiceProcess(Process.Start(start)!, ports);
        try
        {
            await service.WaitUntilServingAsync();
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    /// <summary>SIGKILL: no shutdown, no last writes. Returns at once; <see cref="KillAsync"/> also waits for the exit.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task KillAsync()
    {
        Kill();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod: the silo hands its grains over and exits.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        Client.Dispose();
        _process.Dispose();
    }

    /// <summary>
    /// Waits for the block the service prints once the host (silo and web server) has started,
    /// then checks that the silo is ready (an active member whose grains answer).
    /// </summary>
    private async Task WaitUntilServingAsync()
    {
        var exited = _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Task first;
        try
        {
            first = await Task.WhenAny(_serving.Task, exited).WaitAsync(StartTimeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"The service did not start within {StartTimeout}:\n{Output}", e);
        }

        if (first == exited)
        {
            throw new InvalidOperationException($"The service exited with code {_process.ExitCode} while starting:\n{Output}");
        }

        using var response = await Client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The started service answered {(int)response.StatusCode} for its readiness probe:\n{Output}");
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        // The last line of the block printed on start (after the key and the URLs).
        if (line.Contains("(API reference;", StringComparison.Ordinal))
        {
            _serving.TrySetResult();
        }
    }
}

/// <summary>The ports of one service process; kept across restarts.</summary>
internal sealed record ServicePorts(int Http, int Silo, int Gateway)
{
    public static ServicePorts Free() => new(Ports.Free(), Ports.Free(), Ports.Free());
}

/// <summary>Tests that run service processes take turns: two cores do not run four silos and PostgreSQL well at once.</summary>
[CollectionDefinition(Collection)]
public sealed class ServiceProcesses
{
    public const string Collection = "service processes";
}
