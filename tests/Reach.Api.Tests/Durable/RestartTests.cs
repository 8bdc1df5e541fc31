using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Reach.Grains;
using Reach.Grains.Journal;
using Reach.Analysis.Events;
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

    [Fact]
    public async Task A_journal_written_before_entries_were_encoded_compactly_replays_to_the_same_reads()
    {
        var database = await postgres.CreateDatabaseAsync();
        var scenario = DurableScenario.Create(nodesPerCascade: 600, cascades: 4, batchSize: 300, seed: 5);
        var ports = ServicePorts.Free();

        // No snapshot is due and the kill writes none: the journal holds every change.
        var settings = new Dictionary<string, string> { ["Reach__SnapshotMinJournalBytes"] = "1000000000" };
        Dictionary<string, JsonNode> before;
        await using (var service = await ServiceProcess.StartAsync(database, ports, settings))
        {
            await scenario.SendAllAsync(service.Client);
            before = await scenario.ReadAsync(service.Client);
            await service.KillAsync();
        }

        var rewritten = await RewriteJournalInOrleansFormatAsync(database);
        Assert.All(new[] { "cascade", "directory", "account-index" }, kind => Assert.True(rewritten.GetValueOrDefault(kind) > 0, $"no compact {kind} entry was journaled"));

        await using var restarted = await ServiceProcess.StartAsync(database, ports, settings);
        DurableScenario.AssertSameReads(before, await scenario.ReadAsync(restarted.Client));
    }

    /// <summary>
    /// Turns every compact journal entry into the form the version before compact entries wrote:
    /// format 0, the entry serialized by Orleans. Returns how many entries of each grain kind it rewrote.
    /// </summary>
    private static async Task<Dictionary<string, int>> RewriteJournalInOrleansFormatAsync(string database)
    {
        await using var services = new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(CascadeBatch).Assembly).AddAssembly(typeof(AccountIndexJournalEntry).Assembly))
            .BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var rows = new List<(string Key, long Sequence, byte[] Payload)>();
        await using (var read = new NpgsqlCommand("SELECT grain_key, seq, payload FROM reach_journal WHERE format = 1", connection))
        await using (var reader = await read.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        var rewritten = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, sequence, payload) in rows)
        {
            var kind = key[..key.IndexOf(':', StringComparison.Ordinal)];
            var orleansPayload = kind switch
            {
                "cascade" => serializer.SerializeToArray(CascadeBatchCodec.Instance.Read(payload)),
                "directory" => serializer.SerializeToArray(DirectoryBatchCodec.Instance.Read(payload)),
                "account-index" => serializer.SerializeToArray(AccountIndexJournalCodec.Instance.Read(payload)),
                _ => throw new InvalidOperationException($"{key} has a compact journal entry"),
            };
            await using var update = new NpgsqlCommand("UPDATE reach_journal SET format = 0, payload = $1 WHERE grain_key = $2 AND seq = $3", connection);
            update.Parameters.Add(new NpgsqlParameter { Value = orleansPayload });
            update.Parameters.Add(new NpgsqlParameter { Value = key });
            update.Parameters.Add(new NpgsqlParameter { Value = sequence });
            Assert.Equal(1, await update.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
            rewritten[kind] = rewritten.GetValueOrDefault(kind) + 1;
        }

        return rewritten;
    }

    [Fact]
    public async Task A_store_keeps_the_shard_count_it_was_created_with_and_a_silo_configured_with_another_refuses_to_start()
    {
        var database = await postgres.CreateDatabaseAsync();
        var ports = ServicePorts.Free();
        var scenario = DurableScenario.Create(nodesPerCascade: 200, cascades: 3, batchSize: 100, seed: 11);
        Dictionary<string, System.Text.Json.Nodes.JsonNode> before;
        await using (var service = await ServiceProcess.StartAsync(database, ports, new Dictionary<string, string> { ["Reach__Shards"] = "3" }))
        {
            await scenario.SendAllAsync(service.Client);
            before = await scenario.ReadAsync(service.Client);
            await service.StopAsync();
        }

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServiceProcess.StartAsync(database, ServicePorts.Free(), new Dictionary<string, string> { ["Reach__Shards"] = "16" }));
        Assert.Contains("Reach:Shards is 16, but this store's post directory and account index have 3 shards", refused.Message, StringComparison.Ordinal);

        // Unset, the store's three shards are used. Looked up in the shards of another count, the
        // follower counts would be missing from the metrics, and a repost id reused in another
        // cascade, which only the directory can see, would be taken.
        await using var restarted = await ServiceProcess.StartAsync(database, ports);
        DurableScenario.AssertSameReads(before, await scenario.ReadAsync(restarted.Client));
        var reposts = scenario.Events.Where(e => e.Type == EventType.Repost).ToList();
        var reused = reposts.First(r => r.RootPostId != reposts[0].RootPostId) with { RootPostId = reposts[0].RootPostId, ParentPostId = reposts[0].RootPostId };
        var answer = await restarted.Client.IngestAsync([reused]);
        Assert.Equal(0, answer["accepted"]!.GetValue<int>());
        Assert.Single(answer["conflicts"]!.AsArray());
    }

    [Fact]
    public async Task After_a_restart_the_directory_and_account_index_still_know_every_claim_reference_and_repost_made()
    {
        var database = await postgres.CreateDatabaseAsync();
        var ports = ServicePorts.Free();
        ReachEvent[] events =
        [
            Ev.Post("p", "a"), Ev.Repost("r", "b", "p", "p", 1), Ev.Reply("y", "c", "r", 2), Ev.Like("c", "r", 3),
            Ev.Quote("q", "d", "r", 4), Ev.Like("e", "q", 5), Ev.Account("b", 120, 6),
        ];
        await using (var service = await ServiceProcess.StartAsync(database, ports))
        {
            Assert.Equal(events.Length, (await service.Client.IngestAsync(events))["accepted"]!.GetValue<int>());
            await service.StopAsync();
        }

        await using var restarted = await ServiceProcess.StartAsync(database, ports);
        var reused = await restarted.Client.IngestAsync([Ev.Repost("r", "z", "p", "p", 1), Ev.Like("f", "r", 7)]);
        Assert.Equal(1, Assert.Single(reused["conflicts"]!.AsArray())!["line"]!.GetValue<int>());
        var again = await restarted.Client.IngestAsync(events);
        Assert.Equal(0, again["accepted"]!.GetValue<int>());
        Assert.Equal(events.Length, again["duplicates"]!.GetValue<int>());

        var metrics = await restarted.Client.GetJsonAsync("/v1/posts/p/metrics");
        Assert.Equal(3, metrics["likes"]!.GetValue<int>()); // on r before and after the restart, and on the quote q
        Assert.Equal(2, metrics["reposts"]!.GetValue<int>()); // r and the quote q
        Assert.Equal(1, metrics["quotes"]!.GetValue<int>());
        var reposter = await restarted.Client.GetJsonAsync("/v1/accounts/b/metrics");
        Assert.Equal(1, reposter["repostsMade"]!.GetValue<int>());
        Assert.Equal(120, reposter["followers"]!.GetValue<long>());
    }

    [Fact]
    public async Task Keys_outlive_a_restart_revoked_ones_stay_revoked_and_no_key_is_stored_in_the_clear()
    {
        var database = await postgres.CreateDatabaseAsync();
        var ports = ServicePorts.Free();
        string kept, revoked;
        await using (var service = await ServiceProcess.StartAsync(database, ports))
        {
            using var operatorClient = new HttpClient { BaseAddress = service.Client.BaseAddress };
            operatorClient.DefaultRequestHeaders.Authorization = new("Bearer", TestKeys.Operator);
            async Task<JsonNode> CreateAsync(string[] scopes)
            {
                using var response = await operatorClient.PostAsJsonAsync("/v1/tenants/acme/keys", new { name = "agency", scopes }, TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                return JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
            }

            kept = (await CreateAsync(["ingest", "read", "admin"]))["key"]!.GetValue<string>();
            var toRevoke = await CreateAsync(["read"]);
            revoked = toRevoke["key"]!.GetValue<string>();
            using var acme = new HttpClient { BaseAddress = service.Client.BaseAddress };
            acme.DefaultRequestHeaders.Authorization = new("Bearer", kept);
            await acme.IngestAsync([Ev.Post("p", "au"), Ev.Repost("r", "b", "p", "p", 1)]);
            Assert.Equal(HttpStatusCode.OK, (await acme.DeleteAsync($"/v1/keys/{toRevoke["id"]}", TestContext.Current.CancellationToken)).StatusCode);
            await service.StopAsync();
        }

        await using var restarted = await ServiceProcess.StartAsync(database, ports);
        using var keptClient = new HttpClient { BaseAddress = restarted.Client.BaseAddress };
        keptClient.DefaultRequestHeaders.Authorization = new("Bearer", kept);
        Assert.Equal(1, (await keptClient.GetJsonAsync("/v1/posts/p/metrics"))["reposts"]!.GetValue<int>());
        await (await restarted.Client.GetAsync("/v1/posts/p/metrics", TestContext.Current.CancellationToken)).ProblemAsync(404);
        using var revokedClient = new HttpClient { BaseAddress = restarted.Client.BaseAddress };
        revokedClient.DefaultRequestHeaders.Authorization = new("Bearer", revoked);
        Assert.Contains("revoked", (await (await revokedClient.GetAsync("/v1/keys", TestContext.Current.CancellationToken)).ProblemAsync(401))["detail"]!.GetValue<string>());

        var stored = await EverythingStoredAsync(database);
        Assert.Contains(Convert.ToHexStringLower(Encoding.UTF8.GetBytes("acme")), stored);
        foreach (var key in new[] { kept, revoked })
        {
            Assert.DoesNotContain(key, stored);
            Assert.DoesNotContain(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(key)), stored);
        }
    }

    /// <summary>Every row of every table, as text (binary columns as hex).</summary>
    private static async Task<string> EverythingStoredAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", connection))
        await using (var reader = await list.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }

        var text = new StringBuilder();
        foreach (var table in tables)
        {
            await using var dump = new NpgsqlCommand($"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{table}\" t", connection);
            text.Append(await dump.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        return text.ToString();
    }
}
