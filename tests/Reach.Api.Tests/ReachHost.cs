using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

[assembly: AssemblyFixture(typeof(Reach.Api.Tests.ReachHost))]

namespace Reach.Api.Tests;

/// <summary>
/// The real web host with its co-hosted silo (in-memory storage), shared by the tests of this
/// assembly. Tests keep out of each other's way by using their own ids (<see cref="Ids"/>).
/// </summary>
public class ReachHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>
    /// Starts the host before any test uses it: WebApplicationFactory starts it lazily and not
    /// thread-safely, so test classes creating clients at once could each start a host of their own.
    /// </summary>
    public ValueTask InitializeAsync()
    {
        _ = Services;
        return ValueTask.CompletedTask;
    }

    protected virtual bool LoadSample => false;

    /// <summary>Cascades above this many nodes count as large (refreshed by timer while they grow).</summary>
    protected virtual int LargeCascadeNodes => 50_000;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Reach:LoadSample", LoadSample ? "true" : "false");
        builder.UseSetting("Reach:LargeCascadeNodes", LargeCascadeNodes.ToString());
        builder.UseSetting("Reach:MetricsRefreshInterval", "00:00:00.200");
        builder.UseSetting("Reach:SiloPort", Ports.Free().ToString());
        builder.UseSetting("Reach:GatewayPort", Ports.Free().ToString());
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Reach:DevelopmentKey", TestKeys.Development);
        builder.UseSetting("Reach:OperatorKey", TestKeys.Operator);
    }

    /// <summary>Clients from <c>CreateClient()</c> carry the development key (tenant "default", every scope).</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestKeys.Development);
    }

    /// <summary>A client with no key at all.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    /// <summary>A client that sends <paramref name="key"/>.</summary>
    public HttpClient CreateClient(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }
}

/// <summary>The keys the test hosts and service processes are configured with.</summary>
internal static class TestKeys
{
    public const string Development = "reach_test-development-key";
    public const string Operator = "reach_test-operator-key";
}

/// <summary>A host that loads the bundled sample, as the README's first command does.</summary>
public sealed class SampleHost : ReachHost
{
    protected override bool LoadSample => true;
}

/// <summary>A host where every cascade above five nodes is large.</summary>
public sealed class SmallThresholdHost : ReachHost
{
    protected override int LargeCascadeNodes => 5;
}

internal static class Ids
{
    /// <summary>A prefix no other test uses.</summary>
    public static string Unique() => "t" + Guid.NewGuid().ToString("N")[..10] + "-";
}

/// <summary>A host that counts reach exactly only up to 5,000 accounts, so that small tests reach the estimate.</summary>
public sealed class ReachLimitHost : ReachHost
{
    public const int ExactReachLimit = 5_000;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Reach:ExactReachLimit", ExactReachLimit.ToString());
    }
}

/// <summary>A host whose watch list holds at most two items.</summary>
public sealed class SmallWatchListHost : ReachHost
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Reach:WatchListLimit", "2");
    }
}
