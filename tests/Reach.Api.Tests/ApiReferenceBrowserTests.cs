using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Reach.Api.Tests;

/// <summary>The service on a real socket, so that a browser can reach it.</summary>
public sealed class KestrelHost : ReachHost
{
    public KestrelHost() => UseKestrel(0);

    public string Address
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return address.Replace("://[::]", "://127.0.0.1").Replace("://localhost", "://127.0.0.1").TrimEnd('/');
        }
    }
}

/// <summary>The browsable API reference, rendered by a real headless Chromium.</summary>
public sealed class ApiReferenceBrowserTests(KestrelHost host) : IClassFixture<KestrelHost>
{
    [Fact]
    public async Task The_api_reference_shows_every_operation_of_the_openapi_document_in_a_browser()
    {
        var chromium = Chromium.Find();
        var address = host.Address;
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var document = await client.GetJsonAsync("/openapi/v1.json");
        var operationsByTag = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => operation.Value!))
            .GroupBy(operation => operation["tags"]![0]!.GetValue<string>(), operation => operation["summary"]!.GetValue<string>());

        foreach (var tag in operationsByTag)
        {
            var dom = await Chromium.DumpDomAsync(chromium, $"{address}/scalar/#tag/{tag.Key.ToLowerInvariant()}");
            foreach (var summary in tag)
            {
                Assert.True(dom.Contains(summary, StringComparison.Ordinal), $"the reference page for '{tag.Key}' does not show '{summary}'");
            }
        }
    }
}

internal static class Chromium
{
    /// <summary>Debian's Chromium (or CHROMIUM); without it the test skips, except under CI where .ci/run installs it.</summary>
    public static string Find()
    {
        var path = Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(path))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"Chromium is not installed at {path}; .ci/run installs Debian's chromium package");
            Assert.Skip($"Chromium is not installed at {path} (apt-get install chromium, or set CHROMIUM)");
        }

        return path;
    }

    /// <summary>Loads a page headless, lets its scripts run, and returns the rendered DOM.</summary>
    public static async Task<string> DumpDomAsync(string chromium, string url)
    {
        var profile = Directory.CreateTempSubdirectory("reach-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                $"--user-data-dir={profile.FullName}", "--virtual-time-budget=10000", "--dump-dom", url,
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            var dom = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await errors}");
            return await dom;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
