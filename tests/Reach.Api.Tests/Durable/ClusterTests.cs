using Reach.Api.Tests.Postgres;

namespace Reach.Api.Tests.Durable;

[Collection(ServiceProcesses.Collection)]
public sealed class ClusterTests(PostgresServer postgres)
{
    [Fact]
    public async Task Two_silos_serve_the_same_metrics_and_a_killed_silos_cascades_come_back_on_the_other()
    {
        var database = await postgres.CreateDatabaseAsync();
        var scenario = DurableScenario.Create(nodesPerCascade: 300, cascades: 12, batchSize: 400, seed: 5);
        await using var first = await ServiceProcess.StartAsync(database, ServicePorts.Free());
        await using var second = await ServiceProcess.StartAsync(database, ServicePorts.Free());
        await WaitForMembersAsync(database, 2);

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
        foreach (var root in moved)
        {
            await WaitUntilAsync(async () => await ServedByAsync(survivor.Client, root) == survivor.Ports.Silo, $"{root} back on the surviving silo");
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
        await WaitForMembersAsync(database, 2);
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

    internal static async Task WaitForMembersAsync(string database, int active)
    {
        await WaitUntilAsync(async () =>
        {
            await using var connection = new Npgsql.NpgsqlConnection(database);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM orleans_membership WHERE status = 3", connection);
            return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))! >= active;
        }, $"{active} active silos");
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
