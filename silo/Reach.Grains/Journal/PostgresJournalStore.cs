using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Reach.Grains.Journal;

/// <summary>
/// Journal entries in PostgreSQL, written by group commit: appends from every grain of the silo
/// queue up, and each writer takes all that is waiting and stores it with one binary COPY (one
/// transaction, one WAL flush). A writer is busy while the next group gathers, so concurrent
/// requests share commits and throughput does not depend on clients sending huge batches.
/// </summary>
public sealed partial class PostgresJournalStore : IJournalStore, IAsyncDisposable
{
    private const int MaxGroupBytes = 16 * 1024 * 1024;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<PostgresJournalStore> _logger;
    private readonly Channel<PendingAppend> _pending = Channel.CreateUnbounded<PendingAppend>();
    private readonly Task[] _writers;

    public PostgresJournalStore(NpgsqlDataSource dataSource, IOptions<ReachOptions> options, ILogger<PostgresJournalStore> logger)
    {
        _dataSource = dataSource;
        _logger = logger;
        _writers = [.. Enumerable.Range(0, options.Value.JournalWriters).Select(_ => Task.Run(WriteGroupsAsync))];
    }

    public Task AppendAsync(string stream, long sequence, short format, byte[] payload)
    {
        var append = new PendingAppend(stream, sequence, format, payload, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(append))
        {
            throw new ObjectDisposedException(nameof(PostgresJournalStore), "The journal is shut down.");
        }

        return append.Committed.Task;
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadAsync(string stream, long afterSequence, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT seq, format, payload FROM reach_journal WHERE grain_key = $1 AND seq > $2 ORDER BY seq");
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        command.Parameters.Add(new NpgsqlParameter { Value = afterSequence });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<JournalEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new JournalEntry(reader.GetInt64(0), reader.GetInt16(1), reader.GetFieldValue<byte[]>(2)));
        }

        return entries;
    }

    public async Task TruncateAsync(string stream, long throughSequence)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM reach_journal WHERE grain_key = $1 AND seq <= $2");
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        command.Parameters.Add(new NpgsqlParameter { Value = throughSequence });
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private async Task WriteGroupsAsync()
    {
        var group = new List<PendingAppend>();
        while (await _pending.Reader.WaitToReadAsync())
        {
            long bytes = 0;
            while (bytes < MaxGroupBytes && _pending.Reader.TryRead(out var append))
            {
                group.Add(append);
                bytes += append.Payload.Length;
            }

            if (group.Count == 0)
            {
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                await CopyAsync(group);
                ReachMeters.JournalCommits.Add(1);
                ReachMeters.JournalEntries.Add(group.Count);
                ReachMeters.JournalBytes.Add(bytes);
                ReachMeters.JournalCommitSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                foreach (var committed in group)
                {
                    committed.Committed.TrySetResult();
                }
            }
            catch (Exception exception)
            {
                LogCommitFailed(exception, group.Count);
                foreach (var failed in group)
                {
                    failed.Committed.TrySetException(exception);
                }
            }

            group.Clear();
        }
    }

    private async Task CopyAsync(List<PendingAppend> group)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY reach_journal (grain_key, seq, format, payload) FROM STDIN (FORMAT BINARY)");
        foreach (var append in group)
        {
            await import.StartRowAsync();
            await import.WriteAsync(append.Stream, NpgsqlDbType.Text);
            await import.WriteAsync(append.Sequence, NpgsqlDbType.Bigint);
            await import.WriteAsync(append.Format, NpgsqlDbType.Smallint);
            await import.WriteAsync(append.Payload, NpgsqlDbType.Bytea);
        }

        await import.CompleteAsync();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A journal commit of {Entries} entries failed; their grains will reload from storage.")]
    private partial void LogCommitFailed(Exception exception, int entries);

    private sealed record PendingAppend(string Stream, long Sequence, short Format, byte[] Payload, TaskCompletionSource Committed);
}
