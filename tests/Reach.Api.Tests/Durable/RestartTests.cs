using Reach.Api.Tests.Postgres;

namespace Reach.Api.Tests.Durable;

[Collection(ServiceProcesses.Collection)]
public sealed class RestartTests(PostgresServer postgres)
{
    [Fact]
    public async Task Metrics_cascades_timelines_and_accounts_are_identical_after_a_full_restart()
    {
        var database = await postgres.CreateDatabaseAsync();
        var scenario = DurableScenario.Create(nodesPerCascade: 800, cascades: 6, batchSize: 500, seed: 3);
        var ports = ServicePorts.Free();
        Dictionary<string, System.Text.Json.Nodes.JsonNode> before;
        await using (var service = await ServiceProcess.StartAsync(database, ports))
        {
            await scenario.SendAllAsync(service.Client);

            before = await scenario.ReadAsync(service.Client);
            await service.StopAsync();
        }

        await using var restarted = await ServiceProcess.StartAsync(database, ports);
        DurableScenario.AssertSameReads(before, await scenario.ReadAsync(restarted.Client));
    }
}
