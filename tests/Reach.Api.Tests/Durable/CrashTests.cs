using System.Collections.Concurrent;
using Reach.Analysis.Events;
using Reach.Api.Tests.Postgres;

namespace Reach.Api.Tests.Durable;

[Collection(ServiceProcesses.Collection)]
public sealed class CrashTests(PostgresServer postgres, ReachHost cleanHost)
{
    [Fact]
    public async Task A_service_killed_mid_stream_keeps_every_acknowledged_event_and_a_full_resend_ends_as_a_clean_ingest()
    {
        var database = await postgres.CreateDatabaseAsync();
        var scenario = DurableScenario.Create(nodesPerCascade: 1500, cascades: 8, batchSize: 150, seed: 11);
        var ports = ServicePorts.Free();

        // Small snapshots thresholds, so that grains are re-activated from a snapshot plus a journal tail.
        var settings = new Dictionary<string, string> { ["Reach__SnapshotMinJournalBytes"] = "65536" };
        var acknowledged = new ConcurrentBag<int>();
        await using (var service = await ServiceProcess.StartAsync(database, ports, settings))
        {
            var next = -1;
            var enoughAcknowledged = new TaskCompletionSource();
            async Task SendUntilTheServiceDiesAsync()
            {
                while (Interlocked.Increment(ref next) is var i && i < scenario.Batches.Length)
                {
                    try
                    {
                        using var response = await service.Client.PostNdjsonAsync(scenario.Batches[i]);
                        if (response.IsSuccessStatusCode)
                        {
                            acknowledged.Add(i);
                            if (acknowledged.Count >= scenario.Batches.Length / 3 && enoughAcknowledged.TrySetResult())
                            {
                                // Killed the moment an acknowledgement arrives, while other batches are in flight.
                                service.Kill();
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                }
            }

            await SlowDownCommitsAsync(database);

            // The first batch holds the root posts: sent alone, so that it is acknowledged before the kill.
            next = 0;
            using (var roots = await service.Client.PostNdjsonAsync(scenario.Batches[0]))
            {
                Assert.True(roots.IsSuccessStatusCode);
                acknowledged.Add(0);
            }

            var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(SendUntilTheServiceDiesAsync)).ToArray();
            await enoughAcknowledged.Task.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
            await service.KillAsync();
            await Task.WhenAll(senders);
        }

        Assert.True(acknowledged.Count < scenario.Batches.Length, "the service was killed after the whole stream was acknowledged");
        await using (var restarted = await ServiceProcess.StartAsync(database, ports, settings))
        {
            var stored = new HashSet<string>(StringComparer.Ordinal);
            var unreadable = new List<string>();
            foreach (var root in scenario.Roots)
            {
                using var response = await restarted.Client.GetAsync($"/v1/posts/{Http.Escape(root)}/cascade", TestContext.Current.CancellationToken);
                var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    stored.UnionWith(System.Text.Json.Nodes.JsonNode.Parse(body)!["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()));
                }
                else
                {
                    unreadable.Add($"{root}: {(int)response.StatusCode} {body}");
                }
            }

            var acknowledgedNodes = acknowledged
                .SelectMany(i => scenario.BatchEvents[i])
                .Where(e => e.Type is EventType.Post or EventType.Repost)
                .Select(e => e.PostId!)
                .ToList();
            Assert.NotEmpty(acknowledgedNodes);
            var lost = acknowledgedNodes.Where(id => !stored.Contains(id)).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged posts and reposts are missing, e.g. {string.Join(", ", lost.Take(5))}\n{string.Join("\n", unreadable)}\n{restarted.Output}");

            // The service's own idempotency says the rest: re-sent, acknowledged events whose every
            // repeat is recognised (a superseded profile or follow cannot be) are all duplicates.
            var recognisable = acknowledged.SelectMany(i => scenario.BatchEvents[i])
                .Where(e => e.Type is EventType.Post or EventType.Repost or EventType.Quote or EventType.Reply or EventType.Like)
                .ToList();
            var again = await restarted.Client.IngestAsync(recognisable);
            Assert.True(again["accepted"]!.GetValue<int>() == 0, $"acknowledged events were stored again: {again.ToJsonString()}");

            await scenario.SendAllAsync(restarted.Client);

            using var clean = cleanHost.CreateClient();
            await scenario.SendAllAsync(clean);

            DurableScenario.AssertSameReads(await scenario.ReadAsync(clean), await scenario.ReadAsync(restarted.Client));
        }
    }

    /// <summary>
    /// Storage as slow as a busy disk: each journal commit takes 50 ms longer, which widens the
    /// window in which an acknowledgement sent before its commit would be lost by the kill.
    /// </summary>
    private static async Task SlowDownCommitsAsync(string database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("""
            CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NULL; END $$;
            CREATE TRIGGER slow_commit AFTER INSERT ON reach_journal FOR EACH STATEMENT EXECUTE FUNCTION slow_commit();
            """, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
