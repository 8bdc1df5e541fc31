using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Orleans.Storage;
using Reach.Api.Tests.Postgres;
using Reach.Grains;
using Reach.Grains.Storage;

namespace Reach.Api.Tests;

/// <summary>
/// PostgreSQL as Orleans' membership and grain storage, on the project's own schema. Every test
/// has a database of its own on the shared throwaway server.
/// </summary>
public sealed class PostgresStorageTests(PostgresServer postgres)
{
    /// <summary>Every key the Orleans 10.4 ADO.NET clustering and persistence providers look up.</summary>
    private static readonly string[] QueryKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
    ];

    private static readonly string[] Tables =
    [
        "orleansquery", "orleans_membership_version", "orleans_membership", "orleans_grain_state",
        "reach_journal", "reach_schema_version", "reach_layout",
    ];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrating_twice_leaves_every_table_and_query_key_once()
    {
        var database = await postgres.CreateDatabaseAsync();

        await ReachSchema.MigrateAsync(database, Cancellation);
        await ReachSchema.MigrateAsync(database, Cancellation);

        await AssertMigratedAsync(database);
    }

    [Fact]
    public async Task A_fresh_store_records_the_first_shard_count_it_is_given_and_refuses_another_one_later()
    {
        var unset = await postgres.CreateDatabaseAsync();
        await ReachSchema.MigrateAsync(unset, Cancellation);
        Assert.Equal(ShardLayout.DefaultCount, await ReachSchema.SettleShardsAsync(unset, null, Cancellation));
        Assert.Equal(ShardLayout.DefaultCount, await ReachSchema.SettleShardsAsync(unset, ShardLayout.DefaultCount, Cancellation));

        var configured = await postgres.CreateDatabaseAsync();
        await ReachSchema.MigrateAsync(configured, Cancellation);
        Assert.Equal(5, await ReachSchema.SettleShardsAsync(configured, 5, Cancellation));
        Assert.Equal(5, await ReachSchema.SettleShardsAsync(configured, null, Cancellation));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ReachSchema.SettleShardsAsync(configured, 16, Cancellation));
        Assert.Contains("Reach:Shards is 16", refused.Message, StringComparison.Ordinal);
        Assert.Contains("have 5 shards", refused.Message, StringComparison.Ordinal);
        Assert.Equal(5, await ScalarAsync<int>(configured, "SELECT shards FROM reach_layout"));
    }

    [Fact]
    public async Task A_store_that_holds_data_from_before_the_shard_count_was_recorded_keeps_64_shards()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync(Cancellation);
            await ExecuteAsync(connection, "CREATE TABLE reach_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
            // The schema as it was before migration 5 recorded the layout.
            foreach (var migration in ReachSchema.Migrations.TakeWhile(m => m.Number < 5))
            {
                await ExecuteAsync(connection, migration.Sql);
                await ExecuteAsync(connection, $"INSERT INTO reach_schema_version (version, name) VALUES ({migration.Number}, '{migration.Name}')");
            }

            await ExecuteAsync(connection, "INSERT INTO reach_journal (grain_key, seq, payload) VALUES ('directory:default/7', 1, '\\x00')");
        }

        await ReachSchema.MigrateAsync(database, Cancellation);

        Assert.Equal(ShardLayout.CountBeforeRecorded, await ReachSchema.SettleShardsAsync(database, null, Cancellation));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ReachSchema.SettleShardsAsync(database, ShardLayout.DefaultCount, Cancellation));
    }

    [Fact]
    public async Task Migrations_of_one_fresh_database_started_at_the_same_moment_all_succeed()
    {
        var database = await postgres.CreateDatabaseAsync();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var migrations = Enumerable.Range(0, 4).Select(async _ =>
        {
            await go.Task;
            await ReachSchema.MigrateAsync(database, Cancellation);
        }).ToList();
        go.SetResult();
        await Task.WhenAll(migrations);
        await ReachSchema.MigrateAsync(database, Cancellation);

        await AssertMigratedAsync(database);
    }

    [Fact]
    public async Task Silos_join_the_cluster_through_the_membership_table_and_a_silo_that_stops_is_marked_dead()
    {
        var database = await postgres.CreateDatabaseAsync();
        await ReachSchema.MigrateAsync(database, Cancellation);
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];

        await using var first = await Silo.StartAsync(database, clusterId);
        await Membership.WaitUntilAsync(database, clusterId, "the first silo is active",
            members => StatusOf(members, first) == Member.Active);

        await using var second = await Silo.StartAsync(database, clusterId);
        await Membership.WaitUntilAsync(database, clusterId, "both silos are active",
            members => members.Count == 2 && StatusOf(members, first) == Member.Active && StatusOf(members, second) == Member.Active);

        await second.StopAsync();
        await Membership.WaitUntilAsync(database, clusterId, "the stopped silo is dead and the other still active",
            members => StatusOf(members, second) == Member.Dead && StatusOf(members, first) == Member.Active);

        // The provider's periodic clean-up removes dead silos (and only those) once they are old enough.
        var table = first.Services.GetRequiredService<IMembershipTable>();
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1), Cancellation);
        var remaining = await Membership.ReadAsync(database, clusterId);
        Assert.Equal(first.Address.Endpoint.Port, Assert.Single(remaining).Port);
    }

    [Fact]
    public async Task The_reach_grain_storage_writes_reads_overwrites_and_clears_a_50_MB_cascade_with_etag_checks()
    {
        var database = await postgres.CreateDatabaseAsync();
        await ReachSchema.MigrateAsync(database, Cancellation);
        await using var silo = await Silo.StartAsync(database, "test-storage");
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(ReachStorage.Name);
        const string StateName = "cascade";
        var grainId = GrainId.Create("cascade", "default/" + Guid.NewGuid().ToString("N"));
        var firstGraph = RandomBytes(50 * 1024 * 1024, seed: 1);
        var secondGraph = RandomBytes(50 * 1024 * 1024, seed: 2);

        var writer = new GrainState<CascadeState>(new CascadeState { Graph = firstGraph, Tags = ["first"] });
        await storage.WriteStateAsync(StateName, grainId, writer);
        Assert.True(writer.RecordExists);
        Assert.NotNull(writer.ETag);

        // Orleans' binary form: the graph is stored as raw bytes plus a small envelope (JSON would be base64, a third larger).
        var stored = await ScalarAsync<int>(database, "SELECT octet_length(payload) FROM orleans_grain_state");
        Assert.InRange(stored, firstGraph.Length, firstGraph.Length + 1024);

        var reader = new GrainState<CascadeState>();
        await storage.ReadStateAsync(StateName, grainId, reader);
        Assert.True(reader.RecordExists);
        Assert.Equal(writer.ETag, reader.ETag);
        Assert.NotNull(reader.State);
        Assert.True(firstGraph.AsSpan().SequenceEqual(reader.State.Graph), "the graph read back differs from the one written");
        Assert.Equal(["first"], reader.State.Tags ?? []);

        reader.State = reader.State with { Graph = secondGraph, Tags = ["second"] };
        await storage.WriteStateAsync(StateName, grainId, reader);
        Assert.NotEqual(writer.ETag, reader.ETag);

        // The first writer's etag is stale now: its write and its clear are refused, nothing changes.
        Assert.NotNull(writer.State);
        writer.State = writer.State with { Tags = ["stale"] };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grainId, writer));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, grainId, writer));

        var overwritten = new GrainState<CascadeState>();
        await storage.ReadStateAsync(StateName, grainId, overwritten);
        Assert.Equal(reader.ETag, overwritten.ETag);
        Assert.NotNull(overwritten.State);
        Assert.True(secondGraph.AsSpan().SequenceEqual(overwritten.State.Graph), "the graph read back is not the overwritten one");
        Assert.Equal(["second"], overwritten.State.Tags ?? []);

        await storage.ClearStateAsync(StateName, grainId, overwritten);
        Assert.False(overwritten.RecordExists);

        var cleared = new GrainState<CascadeState>();
        await storage.ReadStateAsync(StateName, grainId, cleared);
        Assert.False(cleared.RecordExists);
        Assert.NotNull(cleared.State);
        Assert.Null(cleared.State.Graph);
        Assert.Equal(overwritten.ETag, cleared.ETag);
        Assert.Equal(0, await ScalarAsync<long>(database, "SELECT count(payload) FROM orleans_grain_state"));

        // A state written again after the clear continues from the cleared version.
        cleared.State = new CascadeState { Tags = ["again"] };
        await storage.WriteStateAsync(StateName, grainId, cleared);
        Assert.True(cleared.RecordExists);
    }

    private static async Task AssertMigratedAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(Cancellation);

        var tables = await ReadAsync(connection, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()", r => r.GetString(0));
        Assert.All(Tables, table => Assert.Contains(table, tables));

        var keys = await ReadAsync(connection, "SELECT QueryKey FROM OrleansQuery WHERE length(QueryText) > 0", r => r.GetString(0));
        Assert.Equal(QueryKeys.Order(), keys.Order());

        var versions = await ReadAsync(connection, "SELECT version FROM reach_schema_version ORDER BY version", r => r.GetInt32(0));
        Assert.Equal(ReachSchema.Migrations.Select(m => m.Number), versions);

        // The journal is written with binary COPY: its column types are part of the contract.
        var journal = await ReadAsync(connection, """
            SELECT column_name || ' ' || data_type || CASE is_nullable WHEN 'NO' THEN ' not null' ELSE '' END
            FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'reach_journal'
            ORDER BY ordinal_position
            """, r => r.GetString(0));
        Assert.Equal(["grain_key text not null", "seq bigint not null", "payload bytea not null", "format smallint not null"], journal);
        var journalKey = await ReadAsync(connection, """
            SELECT k.column_name
            FROM information_schema.table_constraints c
            JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
            WHERE c.table_schema = current_schema() AND c.table_name = 'reach_journal' AND c.constraint_type = 'PRIMARY KEY'
            ORDER BY k.ordinal_position
            """, r => r.GetString(0));
        Assert.Equal(["grain_key", "seq"], journalKey);

        // Entries stay in their rows (MAIN storage, TOAST only past a full page), one tuple each.
        var payloadStorage = await ReadAsync(connection, """
            SELECT a.attstorage::text || ' ' || array_to_string(c.reloptions, ',')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.oid = 'reach_journal'::regclass AND a.attname = 'payload'
            """, r => r.GetString(0));
        Assert.Equal(["m toast_tuple_target=8160"], payloadStorage);
    }

    private static int? StatusOf(List<Member> members, Silo silo) =>
        members.SingleOrDefault(m => m.Port == silo.Address.Endpoint.Port && m.Generation == silo.Address.Generation)?.Status;

    private static async Task<List<T>> ReadAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var rows = new List<T>();
        while (await reader.ReadAsync(Cancellation))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancellation);
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
#pragma warning disable CA5394 // test data, not security
        new Random(seed).NextBytes(bytes);
#pragma warning restore CA5394
        return bytes;
    }

    /// <summary>A plain host with one silo on PostgreSQL, on free loopback ports.</summary>
    private sealed class Silo : IAsyncDisposable
    {
        private readonly IHost _host;
        private bool _stopped;

        private Silo(IHost host) => _host = host;

        public IServiceProvider Services => _host.Services;

        public SiloAddress Address => Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

        public static async Task<Silo> StartAsync(string database, string clusterId)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.UseOrleans(silo =>
            {
                silo.UseReachPostgres(database);
                silo.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = clusterId;
                    options.ServiceId = "reach-tests";
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, Ports.Free(), Ports.Free());
            });
            var host = builder.Build();
            try
            {
                await host.StartAsync(Cancellation);
            }
            catch
            {
                host.Dispose();
                throw;
            }

            return new Silo(host);
        }

        public async Task StopAsync()
        {
            if (!_stopped)
            {
                _stopped = true;
                await _host.StopAsync(CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await StopAsync();
            }
            finally
            {
                _host.Dispose();
            }
        }
    }
}
