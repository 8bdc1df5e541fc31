using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Reach.Grains.Journal;

/// <summary>Grain state that records how far into its grain's journal it reaches.</summary>
public interface IJournaledState
{
    long JournalSequence { get; }
}

/// <summary>Makes <see cref="GrainJournal{TEntry, TState}"/>s for grains.</summary>
public sealed class GrainJournals(
    IServiceProvider services, Serializer serializer, LocalCommits localCommits, IOptions<ReachOptions> options, ILogger<GrainJournals> logger)
{
    /// <summary>Registered only with durable storage; without it grains journal nothing.</summary>
    private readonly IJournalStore? _store = services.GetService<IJournalStore>();

    /// <param name="grain">The owning grain.</param>
    /// <param name="stream">Names the grain's journal, unique across grain types.</param>
    /// <param name="state">Where snapshots are stored.</param>
    /// <param name="snapshot">Builds the state to store, covering the journal up to the given sequence.</param>
    /// <param name="estimatedSnapshotBytes">A cheap estimate of a snapshot's size, to pace snapshots.</param>
    /// <param name="quickReplay">
    /// The grain replays its journal cheaply (a shard or an account: lookups, no graph to build), so
    /// it can go longer between snapshots: <see cref="ReachOptions.QuickReplaySnapshotJournalRatio"/>.
    /// </param>
    /// <param name="codec">Writes the entries compactly; without one they are written with Orleans' serializer.</param>
    public GrainJournal<TEntry, TState> For<TEntry, TState>(
        Grain grain, string stream, IPersistentState<TState> state, Func<long, TState> snapshot, Func<long> estimatedSnapshotBytes,
        bool quickReplay = false, JournalCodec<TEntry>? codec = null)
        where TState : IJournaledState =>
        new(grain, stream, state, snapshot, estimatedSnapshotBytes, _store, serializer, codec, localCommits, options.Value, logger,
            quickReplay ? options.Value.QuickReplaySnapshotJournalRatio : options.Value.SnapshotJournalRatio);
}

/// <summary>
/// Keeps a grain durable without rewriting its whole state per change. Each change the grain
/// applies is journaled (when storage is durable, the call returns only once the entry is
/// committed); a snapshot of the whole state is written once the journal since the last snapshot
/// reaches a fixed share of that snapshot's size. Snapshot sizes then grow geometrically, so
/// snapshot writes cost a constant amount per journaled byte however large the grain grows, and
/// re-activation replays a journal tail no longer than that share of the snapshot.
/// With in-memory storage there is no journal: the snapshot is written when the grain deactivates.
/// </summary>
public sealed class GrainJournal<TEntry, TState>
    where TState : IJournaledState
{
    private readonly Grain _grain;
    private readonly string _stream;
    private readonly IPersistentState<TState> _state;
    private readonly Func<long, TState> _snapshot;
    private readonly Func<long> _estimatedSnapshotBytes;
    private readonly IJournalStore? _store;
    private readonly Serializer _serializer;
    private readonly JournalCodec<TEntry>? _codec;
    private readonly LocalCommits _localCommits;
    private readonly ReachOptions _options;
    private readonly ILogger _logger;
    private readonly double _snapshotJournalRatio;

    private readonly Guid _activation = Guid.NewGuid();
    private long _sequence;

    /// <summary>Every entry up to this one is committed.</summary>
    private long _committed;
    private long _bytesSinceSnapshot;
    private long _lastSnapshotBytes;

    /// <summary>The journal sequence the stored snapshot covers.</summary>
    private long _snapshotSequence;
    private bool _changedSinceSnapshot;
    private bool _failed;
    private bool _snapshotting;
    private Task _lastAppend = Task.CompletedTask;

    /// <summary>Entries sent and not yet committed, by sequence: what a ticket waits for.</summary>
    private readonly Dictionary<long, Task> _committing = [];

    internal GrainJournal(
        Grain grain, string stream, IPersistentState<TState> state, Func<long, TState> snapshot, Func<long> estimatedSnapshotBytes,
        IJournalStore? store, Serializer serializer, JournalCodec<TEntry>? codec, LocalCommits localCommits, ReachOptions options, ILogger logger,
        double snapshotJournalRatio)
    {
        (_grain, _stream, _state, _snapshot, _estimatedSnapshotBytes) = (grain, stream, state, snapshot, estimatedSnapshotBytes);
        (_store, _serializer, _codec, _localCommits) = (store, serializer, codec, localCommits);
        (_options, _logger, _snapshotJournalRatio) = (options, logger, snapshotJournalRatio);
    }

    /// <summary>Applies, in order, the entries journaled after the stored snapshot.</summary>
    public async Task ReplayAsync(Action<TEntry> apply, CancellationToken cancellationToken)
    {
        _sequence = _snapshotSequence = _state.State.JournalSequence;
        _committed = _sequence;
        _lastSnapshotBytes = _estimatedSnapshotBytes();
        if (_store is null)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var entries = await _store.ReadAsync(_stream, _sequence, cancellationToken);
        var read = Stopwatch.GetElapsedTime(started);
        var decoding = TimeSpan.Zero;
        foreach (var entry in entries)
        {
            var decodeStarted = Stopwatch.GetTimestamp();
            var message = Decode(entry);
            decoding += Stopwatch.GetElapsedTime(decodeStarted);
            apply(message);
            _sequence = _committed = entry.Sequence;
            _bytesSinceSnapshot += entry.Payload.Length;
            _changedSinceSnapshot = true;
        }

        var total = Stopwatch.GetElapsedTime(started);
        if (total > TimeSpan.FromMilliseconds(250))
        {
            _logger.LogInformation(
                "{Stream}: read {Entries} journal entries ({Bytes} bytes) in {ReadMs:F0} ms and replayed them in {ReplayMs:F0} ms ({DecodeMs:F0} ms decoding).",
                _stream, entries.Count, _bytesSinceSnapshot, read.TotalMilliseconds, (total - read).TotalMilliseconds, decoding.TotalMilliseconds);
        }
    }

    private TEntry Decode(JournalEntry entry)
    {
        if (entry.Format == OrleansFormat)
        {
            return _serializer.Deserialize<TEntry>(entry.Payload)!;
        }

        if (_codec is null || entry.Format != _codec.Format)
        {
            throw new InvalidDataException($"{_stream}: journal entry {entry.Sequence} is in format {entry.Format}, which this version does not read.");
        }

        return _codec.Read(entry.Payload);
    }

    /// <summary>
    /// Records a change the grain has just applied; returns once it and every entry before it are
    /// durable. Appends may overlap (the grain's apply methods interleave while they wait), so
    /// concurrent requests share group commits; entries are numbered in the order they were applied.
    /// If an entry cannot be stored the grain deactivates, so that its next activation holds only
    /// what was stored.
    /// </summary>
    public async Task AppendAsync(TEntry entry)
    {
        _changedSinceSnapshot = true;
        if (_store is null)
        {
            return;
        }

        var committed = StartAppend(entry);
        try
        {
            await committed;
        }
        catch (Exception exception)
        {
            throw NotCommitted(exception);
        }

        await SnapshotIfDueAsync();
    }

    /// <summary>
    /// Records a change the grain has just applied without waiting for its commit, so that a
    /// request can go on to its next grains while the commit is under way. The caller must pass the
    /// ticket (null when there is nothing to wait for) to <see cref="WhenCommittedAsync"/>, through
    /// the grain, before it acknowledges anything.
    /// </summary>
    public JournalTicket? Append(TEntry entry)
    {
        _changedSinceSnapshot = true;
        if (_store is null)
        {
            return null;
        }

        var committed = StartAppend(entry);
        _ = CommitThenSnapshotAsync(committed);
        var ticket = new JournalTicket(_activation, _sequence);
        _localCommits.Track(ticket, committed, _stream);
        return ticket;
    }

    /// <summary>
    /// The ticket for everything journaled so far, for a call that changed nothing but may have
    /// answered from changes still committing; null when all is committed.
    /// </summary>
    public JournalTicket? Pending => _store is null || _sequence <= _committed ? null : new JournalTicket(_activation, _sequence);

    /// <summary>
    /// Returns once the entries up to the ticket's are committed. Throws when they cannot be: the
    /// entry failed, or the activation that took it is gone (what it had not committed is lost).
    /// </summary>
    public async Task WhenCommittedAsync(JournalTicket ticket)
    {
        if (ticket.Activation != _activation || _failed)
        {
            throw new ChangeNotCommittedException(_stream);
        }

        if (ticket.Sequence <= _committed)
        {
            return;
        }

        // The entry's own commit (and those before it), not the grain's latest: a busy grain
        // keeps sending entries, and a request need not wait for later ones.
        if (!_committing.TryGetValue(ticket.Sequence, out var committed))
        {
            throw new ChangeNotCommittedException(_stream);
        }

        try
        {
            await committed;
        }
        catch (Exception exception)
        {
            throw NotCommitted(exception);
        }
    }

    /// <summary>
    /// Where entries are serialized before they are copied out at their exact size: serializing
    /// straight to an array grew a fresh buffer step by step for every entry.
    /// </summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_serializationBuffer;

    /// <summary>A buffer grown past this by an unusually large entry (a follower list) is not kept.</summary>
    private const int MaxKeptSerializationBuffer = 1 << 20;

    /// <summary>The format of entries written with Orleans' serializer: those of grains without a codec, and all written before codecs.</summary>
    private const short OrleansFormat = 0;

    /// <summary>
    /// Sends the entry to the store. The task returned completes once this entry and every one
    /// before it are committed: entries go out in groups by several writers, and a later group may
    /// commit before an earlier one fails.
    /// </summary>
    private Task StartAppend(TEntry entry)
    {
        var buffer = t_serializationBuffer ??= new ArrayBufferWriter<byte>(1 << 16);
        buffer.ResetWrittenCount();
        short format;
        if (_codec is null)
        {
            _serializer.Serialize(entry, buffer);
            format = OrleansFormat;
        }
        else
        {
            _codec.Write(entry, new CompactWriter(buffer));
            format = _codec.Format;
        }

        var payload = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxKeptSerializationBuffer)
        {
            t_serializationBuffer = null;
        }

        var sequence = ++_sequence;
        var committed = CommitInOrderAsync(_lastAppend, _store!.AppendAsync(_stream, sequence, format, payload), sequence);
        _lastAppend = committed;
        if (!committed.IsCompleted)
        {
            _committing[sequence] = committed;
        }

        _bytesSinceSnapshot += payload.Length;
        return committed;
    }

    private async Task CommitInOrderAsync(Task earlier, Task append, long sequence)
    {
        try
        {
            try
            {
                await earlier;
            }
            finally
            {
                // Observed even when an earlier entry failed.
                await append;
            }

            _committed = sequence;
        }
        finally
        {
            _committing.Remove(sequence);
        }
    }

    private async Task CommitThenSnapshotAsync(Task committed)
    {
        try
        {
            await committed;
        }
        catch (Exception)
        {
            // Whoever holds the ticket hears of it from WhenCommittedAsync.
            Fail("A journal entry could not be stored.");
            return;
        }

        await SnapshotIfDueAsync();
    }

    private async Task SnapshotIfDueAsync()
    {
        if (_snapshotting || _bytesSinceSnapshot < Math.Max(_options.SnapshotMinJournalBytes, _snapshotJournalRatio * _lastSnapshotBytes))
        {
            return;
        }

        try
        {
            _snapshotting = true;
            await WriteSnapshotAsync(trimCovered: true, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // The entry is stored: the change stands. The journal keeps everything the snapshot
            // would have covered; a fresh activation starts from what storage holds.
            _logger.LogWarning(exception, "Snapshot of {Stream} failed; the grain reloads from storage.", _stream);
            Fail("A snapshot could not be stored.");
        }
        finally
        {
            _snapshotting = false;
        }
    }

    /// <summary>
    /// Returns once everything the grain has journaled so far is durable: a request that changed
    /// nothing (its events were already applied by a request still committing) must not be
    /// acknowledged before that commit.
    /// </summary>
    public async Task WhenDurableAsync()
    {
        try
        {
            await _lastAppend;
        }
        catch (Exception exception)
        {
            throw NotCommitted(exception);
        }
    }

    /// <summary>
    /// Writes a last snapshot on deactivation, which makes the next activation quick. Skipped when
    /// nothing changed, after a failed append, and for in-memory storage on silo shutdown (its
    /// storage goes with the silo).
    /// </summary>
    public async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!_changedSinceSnapshot || _failed
            || (_store is null && reason.ReasonCode == DeactivationReasonCode.ShuttingDown))
        {
            return;
        }

        try
        {
            await WriteSnapshotAsync(trimCovered: false, cancellationToken);
        }
        catch (Exception exception) when (_store is not null)
        {
            // The journal still holds everything; the next activation replays more of it.
            _logger.LogWarning(exception, "Snapshot of {Stream} on deactivation failed.", _stream);
        }
    }

    /// <summary>The grain cannot vouch for its memory any more: it deactivates, and the caller hears why.</summary>
    private ChangeNotCommittedException NotCommitted(Exception exception)
    {
        Fail("A journal entry could not be stored.");
        return new ChangeNotCommittedException(_stream, exception);
    }

    private void Fail(string why)
    {
        _failed = true;
        _grain.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, why));
    }

    /// <param name="trimCovered">
    /// Delete the journal entries this snapshot covers; otherwise only those the previous snapshot
    /// covered. On deactivation the grain may be moving between silos: its new activation may read
    /// the previous snapshot just before this one is written, and must still find the entries
    /// after it.
    /// </param>
    private async Task WriteSnapshotAsync(bool trimCovered, CancellationToken cancellationToken)
    {
        // Covers every entry applied so far, committed or still committing. Should one of those
        // fail, its request fails although the change is in the snapshot: stored but not
        // acknowledged, like any partly stored batch, and the client's resend finds it there.
        var covered = _sequence;
        _state.State = _snapshot(covered);
        _lastSnapshotBytes = _estimatedSnapshotBytes();
        await _state.WriteStateAsync(cancellationToken);

        ReachMeters.Snapshots.Add(1);
        _bytesSinceSnapshot = 0;
        _changedSinceSnapshot = _sequence != covered;
        var trimThrough = trimCovered ? covered : _snapshotSequence;
        _snapshotSequence = covered;
        if (_store is not null && trimThrough > 0)
        {
            try
            {
                await _store.TruncateAsync(_stream, trimThrough);
            }
            catch (Exception exception)
            {
                _logger.LogWarning(exception, "Trimming the journal of {Stream} failed; replay skips what the snapshot covers.", _stream);
            }
        }
    }
}
