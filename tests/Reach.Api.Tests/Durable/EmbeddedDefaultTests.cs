using System.Text.RegularExpressions;
using Reach.Analysis.Synthetic;

namespace Reach.Api.Tests.Durable;

/// <summary>The service process as the README's first command runs it: in-memory storage, the sample, no configured key.</summary>
[Collection(ServiceProcesses.Collection)]
public sealed partial class EmbeddedDefaultTests
{
    private static Dictionary<string, string> EmbeddedDefault(string urls) => new()
    {
        ["Reach__Storage"] = "memory",
        ["Reach__LoadSample"] = "true",
        ["Reach__DevelopmentKey"] = "",
        ["Reach__OperatorKey"] = "",
        ["ConnectionStrings__Reach"] = "",
        ["ASPNETCORE_URLS"] = urls,
    };

    [Fact]
    public async Task On_loopback_it_prints_a_development_key_that_opens_the_first_url()
    {
        var ports = ServicePorts.Free();
        await using var service = await ServiceProcess.StartAsync("", ports, EmbeddedDefault($"http://127.0.0.1:{ports.Http}"));

        var printed = PrintedKey().Matches(service.Output).Select(m => m.Value).Distinct().ToList();
        Assert.True(printed.Count == 1, service.Output);
        var firstUrl = $"/v1/posts/{MotivatingCase.RootPostId}/metrics";
        Assert.Contains($"http://127.0.0.1:{ports.Http}{firstUrl}", service.Output);

        using var anonymous = new HttpClient { BaseAddress = service.Client.BaseAddress };
        await (await anonymous.GetAsync(firstUrl, TestContext.Current.CancellationToken)).ProblemAsync(401);
        using var withKey = new HttpClient { BaseAddress = service.Client.BaseAddress };
        withKey.DefaultRequestHeaders.Authorization = new("Bearer", printed[0]);
        var metrics = await withKey.GetJsonAsync(firstUrl);
        Assert.Equal(MotivatingCase.RootPostId, metrics["postId"]!.GetValue<string>());
        Assert.True(metrics["reposts"]!.GetValue<int>() > 0, metrics.ToJsonString());
    }

    [Fact]
    public async Task Listening_beyond_loopback_it_makes_no_development_key_and_says_so()
    {
        var ports = ServicePorts.Free();
        await using var service = await ServiceProcess.StartAsync("", ports, EmbeddedDefault($"http://0.0.0.0:{ports.Http}"));

        Assert.Empty(PrintedKey().Matches(service.Output));
        Assert.Contains("No development key was made: the service listens beyond loopback", service.Output);
        await (await service.Client.GetAsync("/v1/keys", TestContext.Current.CancellationToken)).ProblemAsync(401);
    }

    [GeneratedRegex("reach_[0-9a-f]{48}")]
    private static partial Regex PrintedKey();
}
