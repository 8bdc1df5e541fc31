using Reach.Api.Tests.Postgres;

namespace Reach.Api.Tests.Durable;

[Collection(ServiceProcesses.Collection)]
public sealed class ClusterTests(PostgresServer postgres)
{
    /// <summary>The service's default Reach:ClusterId.</summary>
    private const string ClusterId = "reach";

    [Fact]
    public async Task Two_silos_serve_the_same_metrics_and_a_killed_silos_cascades_come_back_on_the_other()
    {
        var database = await postgres.CreateDatabaseAsync();
        var scenario = DurableScenario.Create(nodesPerCascade: 300, cascades: 12, batchSize: 400, seed: 5);
        await using var first = await ServiceProcess.StartAsync(database, ServicePorts.Free());
        await using var second = await ServiceProcess.StartAsync(database, ServicePorts.Free());
        await Membership.WaitUntilAsync(database, ClusterId, "two active silos", members => members.Count(m => m.Status == Member.Active) == 2);

        await scenario.SendAllAsync(first.Client);

        var throughFirst = await scenario.ReadAsync(first.Client);
        DurableScenario.AssertSameReads(throughFirst, await scenario.ReadAsync(second.Client));

        // Kill the silo that holds the most cascades; the other must serve them all.
        var (victim, survivor) = await HolderOfMostAsync(scenario, first, second);
        var moved = new List<string>();
        foreach (var root in scenario.Roots)
        {
            if (await ServedByAsync(survivor.Client, root) == victim.Ports.Silo)
            {
                moved.Add(root);
            }
        }

        await victim.KillAsync();
        await Membership.WaitUntilAsync(database, ClusterId, "the killed silo declared dead",
            members => members.Any(m => m.Port == victim.Ports.Silo && m.Status == Member.Dead));
        foreach (var root in moved)
        {
            Assert.Equal(survivor.Ports.Silo, await ServedAfterFailoverAsync(survivor.Client, root));
        }

        DurableScenario.AssertSameReads(throughFirst, await scenario.ReadAsync(survivor.Client));
    }

    [Fact]
    public async Task A_silo_stopped_gracefully_hands_its_grains_over_without_failed_requests()
    {
        var database = await postgres.CreateDatabaseAsync();
        var scenario = DurableScenario.Create(nodesPerCascade: 200, cascades: 10, batchSize: 300, seed: 9);
        await using var first = await ServiceProcess.StartAsync(database, ServicePorts.Free());
        await using var second = await ServiceProcess.StartAsync(database, ServicePorts.Free());
        await Membership.WaitUntilAsync(database, ClusterId, "two active silos", members => members.Count(m => m.Status == Member.Active) == 2);
        await scenario.SendAllAsync(second.Client);

        var (victim, survivor) = await HolderOfMostAsync(scenario, first, second);
        var before = await scenario.ReadAsync(survivor.Client);

        // Reads keep going through the surviving silo while the other stops: none may fail.
        var failures = new List<string>();
        using var stopped = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!stopped.IsCancellationRequested)
            {
                foreach (var root in scenario.Roots)
                {
                    using var response = await survivor.Client.GetAsync($"/v1/posts/{Http.Escape(root)}/metrics", TestContext.Current.CancellationToken);
                    if (!response.IsSuccessStatusCode)
                    {
                        failures.Add($"{root}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
                    }
                }
            }
        }, TestContext.Current.CancellationToken);
        await victim.StopAsync();
        await stopped.CancelAsync();
        await reader;

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
        DurableScenario.AssertSameReads(before, await scenario.ReadAsync(survivor.Client));
    }

    /// <summary>The silo holding most of the scenario's cascades (at least one), and the other.</summary>
    private static async Task<(ServiceProcess Holder, ServiceProcess Other)> HolderOfMostAsync(
        DurableScenario scenario, ServiceProcess first, ServiceProcess second)
    {
        var held = new Dictionary<int, int> { [first.Ports.Silo] = 0, [second.Ports.Silo] = 0 };
        foreach (var root in scenario.Roots)
        {
            if (await ServedByAsync(first.Client, root) is { } silo)
            {
                held[silo]++;
            }
        }

        var pair = held[first.Ports.Silo] >= held[second.Ports.Silo] ? (first, second) : (second, first);
        Assert.True(held[pair.Item1.Ports.Silo] > 0, "no cascade is held by either silo");
        return pair;
    }

    /// <summary>
    /// Reads a cascade right after its silo was declared dead. The first call may still be routed
    /// to the dead silo and answer 503 (a transient problem the API names, with Retry-After); the
    /// failed call clears the stale route, so the cascade must come back within a few attempts.
    /// </summary>
    private static async Task<int?> ServedAfterFailoverAsync(HttpClient client, string root)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await client.GetAsync($"/v1/posts/{Http.Escape(root)}/metrics", TestContext.Current.CancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return int.Parse(response.Headers.GetValues("Reach-Silo").Single().Split(':')[1]);
            }

            var problem = await response.ProblemAsync(503);
            Assert.True(attempt < 5, $"{root} still unavailable after {attempt} attempts: {problem.ToJsonString()}");
            Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        }
    }

    internal static async Task<int?> ServedByAsync(HttpClient client, string root)
    {
        try
        {
            using var response = await client.GetAsync($"/v1/posts/{Http.Escape(root)}/metrics", TestContext.Current.CancellationToken);
            if (!response.IsSuccessStatusCode || !response.Headers.TryGetValues("Reach-Silo", out var silos))
            {
                return null;
            }

            // A silo address reads "S127.0.0.1:11111:123456789": its second part is the silo port.
            return int.Parse(silos.Single().Split(':')[1]);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
