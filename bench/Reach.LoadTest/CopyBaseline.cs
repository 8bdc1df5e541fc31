using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Reach.Analysis.Events;

/// <summary>
/// The raw-database baseline for durable ingest: the same events as rows of one plain table,
/// written with binary COPY in batches of the same size and with the same concurrency as the load
/// run, each batch its own committed transaction. Nothing is parsed, checked or deduplicated.
/// </summary>
internal static class CopyBaseline
{
    public static async Task RunAsync(string connectionString, IReadOnlyList<ReachEvent> events, int batch, int concurrency)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var create = dataSource.CreateCommand("""
            DROP TABLE IF EXISTS copy_baseline_events;
            CREATE TABLE copy_baseline_events (
                type text NOT NULL, post_id text, account_id text, root_post_id text, parent_post_id text, at timestamptz NOT NULL)
            """))
        {
            await create.ExecuteNonQueryAsync();
        }

        var chunks = events.Chunk(batch).ToList();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < chunks.Count)
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var import = await connection.BeginBinaryImportAsync(
                    "COPY copy_baseline_events (type, post_id, account_id, root_post_id, parent_post_id, at) FROM STDIN (FORMAT BINARY)");
                foreach (var evt in chunks[index])
                {
                    await import.StartRowAsync();
                    await import.WriteAsync(ReachEvent.TypeName(evt.Type), NpgsqlDbType.Text);
                    await import.WriteAsync(evt.PostId, NpgsqlDbType.Text);
                    await import.WriteAsync(evt.AccountId, NpgsqlDbType.Text);
                    await import.WriteAsync(evt.RootPostId, NpgsqlDbType.Text);
                    await import.WriteAsync(evt.ParentPostId, NpgsqlDbType.Text);
                    await import.WriteAsync(evt.AtTime, NpgsqlDbType.TimestampTz);
                }

                await import.CompleteAsync();
            }
        }));
        clock.Stop();
        var reposts = events.Count(e => e.Type == EventType.Repost);
        Console.WriteLine($"COPY baseline: {events.Count:N0} rows in {clock.Elapsed.TotalSeconds:N2} s: {events.Count / clock.Elapsed.TotalSeconds:N0} rows/s, {reposts / clock.Elapsed.TotalSeconds:N0} reposts/s");
    }
}
