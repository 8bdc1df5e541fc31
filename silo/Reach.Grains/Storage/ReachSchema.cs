using System.Globalization;
using System.Reflection;
using Npgsql;

namespace Reach.Grains.Storage;

/// <summary>One numbered schema script (an embedded <c>Storage/Migrations/NNNN_name.sql</c>).</summary>
public sealed record ReachMigration(int Number, string Name, string Sql);

/// <summary>
/// Reach's PostgreSQL schema: Orleans clustering and grain storage (tables and the query texts the
/// Orleans ADO.NET providers look up by key) and the Reach journal, as numbered migrations.
/// </summary>
public static class ReachSchema
{
    private const string ResourcePrefix = "Reach.Grains.Storage.Migrations.";

    /// <summary>The advisory lock that serialises migrations of one database ("REACHSQL" in ASCII).</summary>
    private const long MigrationLock = 0x52_45_41_43_48_53_51_4C;

    /// <summary>Every migration, in the order they are applied.</summary>
    public static IReadOnlyList<ReachMigration> Migrations { get; } = LoadMigrations();

    /// <summary>
    /// Brings the database up to date: applies, in order, each migration not yet recorded in
    /// <c>reach_schema_version</c>, each in its own transaction together with its record.
    /// Idempotent, and safe when several processes run it at the same moment: they take turns on
    /// a PostgreSQL advisory lock, and whoever comes second finds the work done. Run it before the
    /// silo starts (the Orleans providers read their queries from the schema when they start).
    /// </summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        // A session-level advisory lock lives as long as the session: an unpooled connection makes
        // sure the lock ends with it even if the explicit unlock below never runs.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);

        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({MigrationLock})", ct);
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS reach_schema_version
                (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, ct);

            var applied = new HashSet<int>();
            await using (var read = new NpgsqlCommand("SELECT version FROM reach_schema_version", connection))
            await using (var reader = await read.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            foreach (var migration in Migrations.Where(m => !applied.Contains(m.Number)))
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await ExecuteAsync(connection, transaction, migration.Sql, ct);
                await using (var record = new NpgsqlCommand("INSERT INTO reach_schema_version (version, name) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Number });
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Name });
                    await record.ExecuteNonQueryAsync(ct);
                }

                await transaction.CommitAsync(ct);
            }
        }
        finally
        {
            try
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({MigrationLock})", CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The connection broke (or was cancelled mid-command): closing it ends the session,
                // which releases the lock all the same. Let the original failure surface.
            }
        }
    }

    /// <summary>
    /// The store's shard count (see <see cref="ShardLayout"/>): the recorded one, or
    /// <paramref name="configured"/> (else the default) recorded now when the store has none yet.
    /// Throws when <paramref name="configured"/> is set and the store records another count: the
    /// ids already stored are in the shards of that count. Run after <see cref="MigrateAsync"/>.
    /// </summary>
    public static async Task<int> SettleShardsAsync(string connectionString, int? configured, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using (var record = new NpgsqlCommand("INSERT INTO reach_layout (shards) VALUES ($1) ON CONFLICT DO NOTHING", connection))
        {
            record.Parameters.Add(new NpgsqlParameter { Value = configured ?? ShardLayout.DefaultCount });
            await record.ExecuteNonQueryAsync(ct);
        }

        await using var read = new NpgsqlCommand("SELECT shards FROM reach_layout", connection);
        var recorded = (int)(await read.ExecuteScalarAsync(ct))!;
        if (configured is { } count && count != recorded)
        {
            throw new InvalidOperationException(
                $"Reach:Shards is {count}, but this store's post directory and account index have {recorded} shards, " +
                $"recorded when it was first written. Set Reach:Shards to {recorded} or leave it unset; a store's shard count cannot change.");
        }

        return recorded;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static ReachMigration[] LoadMigrations()
    {
        var assembly = typeof(ReachSchema).Assembly;
        var migrations = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => Load(assembly, name))
            .OrderBy(m => m.Number)
            .ToArray();

        for (var i = 0; i < migrations.Length; i++)
        {
            if (migrations[i].Number != i + 1)
            {
                throw new InvalidOperationException($"Schema migrations must be numbered 1, 2, 3, ... without gaps or repeats; found {string.Join(", ", migrations.Select(m => m.Number))}.");
            }
        }

        return migrations;
    }

    private static ReachMigration Load(Assembly assembly, string resource)
    {
        var name = resource[ResourcePrefix.Length..^".sql".Length];
        var separator = name.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0 || !int.TryParse(name.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new InvalidOperationException($"Schema migration '{name}.sql' is not named NNNN_description.sql.");
        }

        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new ReachMigration(number, name, reader.ReadToEnd());
    }
}
