namespace Reach.Grains.Journal;

/// <summary>
/// Append-only storage of grain journal entries: what a grain applied since its last snapshot.
/// An append completes only when the entry is durable.
/// </summary>
public interface IJournalStore
{
    /// <summary>
    /// Stores entry <paramref name="sequence"/> of a stream, encoded in <paramref name="format"/>
    /// (0: Orleans' serializer, else the entry type's <see cref="JournalCodec{TEntry}.Format"/>);
    /// completes when it is durable.
    /// </summary>
    Task AppendAsync(string stream, long sequence, short format, byte[] payload);

    /// <summary>The entries of a stream after <paramref name="afterSequence"/>, in order.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadAsync(string stream, long afterSequence, CancellationToken cancellationToken);

    /// <summary>Forgets the entries up to <paramref name="throughSequence"/>, which a snapshot now covers.</summary>
    Task TruncateAsync(string stream, long throughSequence);
}

public sealed record JournalEntry(long Sequence, short Format, byte[] Payload);
