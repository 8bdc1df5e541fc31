using Npgsql;
using Reach.Analysis.Events;
using Reach.Api.Tests.Postgres;

namespace Reach.Api.Tests.Durable;

[Collection(ServiceProcesses.Collection)]
public sealed class StorageFailureTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_batch_whose_journal_writes_fail_is_answered_503_and_its_resend_is_stored_whole()
    {
        var database = await postgres.CreateDatabaseAsync();
        var ports = ServicePorts.Free();
        ReachEvent[] first = [Ev.Post("p", "a"), Ev.Repost("r1", "b", "p", "p", 1), Ev.Like("c", "p", 2)];
        ReachEvent[] second =
        [
            Ev.Repost("r2", "c", "p", "r1", 3), Ev.Repost("r3", "d", "p", "r2", 4), Ev.Like("e", "r1", 5),
            Ev.Reply("y", "f", "r2", 6), Ev.Account("d", 40, 7),
        ];
        System.Text.Json.Nodes.JsonNode metrics;
        await using (var service = await ServiceProcess.StartAsync(database, ports))
        {
            await service.Client.IngestAsync(first);
            await RefusedWhileTheJournalFailsThenTakenWholeAsync(service, database, second);
            metrics = await service.Client.GetJsonAsync("/v1/posts/p/metrics");
            Assert.Equal(3, metrics["reposts"]!.GetValue<int>());
            Assert.Equal(3, metrics["depth"]!.GetValue<int>());
            await service.KillAsync();
        }

        await using var restarted = await ServiceProcess.StartAsync(database, ports);
        var afterRestart = await restarted.Client.GetJsonAsync("/v1/posts/p/metrics");
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(metrics, afterRestart), afterRestart.ToJsonString());
        Assert.Equal(40, (await restarted.Client.GetJsonAsync("/v1/accounts/d/metrics"))["followers"]!.GetValue<long>());
    }

    [Fact]
    public async Task Likes_whose_journal_writes_fail_are_answered_503_though_only_the_directory_and_the_cascade_took_them()
    {
        // Likes change only grains that answer before their commit and hand out a ticket for it:
        // the 503 has to come from redeeming the tickets.
        var database = await postgres.CreateDatabaseAsync();
        ReachEvent[] likes = [Ev.Like("c", "p", 2), Ev.Like("d", "r", 3)];
        await using var service = await ServiceProcess.StartAsync(database, ServicePorts.Free());
        await service.Client.IngestAsync([Ev.Post("p", "a"), Ev.Repost("r", "b", "p", "p", 1)]);
        await RefusedWhileTheJournalFailsThenTakenWholeAsync(service, database, likes);
        Assert.Equal(2, (await service.Client.GetJsonAsync("/v1/posts/p/metrics"))["likes"]!.GetValue<int>());
    }

    /// <summary>
    /// Sends <paramref name="events"/> while the journal refuses every write, expecting a 503 that
    /// asks for a re-send, then again once it accepts writes. Nothing of the refused request may
    /// look stored: the re-send is taken whole, not as duplicates.
    /// </summary>
    private static async Task RefusedWhileTheJournalFailsThenTakenWholeAsync(ServiceProcess service, string database, ReachEvent[] events)
    {
        await ExecuteAsync(database, """
            CREATE FUNCTION refuse_journal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'journal refused by the test'; END $$;
            CREATE TRIGGER refuse_journal BEFORE INSERT ON reach_journal FOR EACH ROW EXECUTE FUNCTION refuse_journal();
            """);

        using (var refused = await service.Client.PostEventsAsync(events))
        {
            var problem = await refused.ProblemAsync(503);
            Assert.Contains("re-sent", problem["detail"]!.GetValue<string>());
        }

        await ExecuteAsync(database, "DROP TRIGGER refuse_journal ON reach_journal");
        var resent = await service.Client.IngestAsync(events);
        Assert.Equal(events.Length, resent["accepted"]!.GetValue<int>());
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
