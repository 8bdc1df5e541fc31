using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Reach.Analysis.Ids;

/// <summary>
/// An append-only table of opaque string ids, numbered 0, 1, 2, … in insertion order.
/// Ids are kept as UTF-8 in one byte arena with an open-addressing index, so a million ids cost
/// roughly their UTF-8 length plus 22 bytes each instead of a string object and a dictionary entry.
/// </summary>
[SkipLocalsInit] // the stack buffers ids are encoded into are read only as far as they were written
public sealed class IdTable
{
    public const int MaxIdLength = 128;

    private const long EmptySlot = -1;

    /// <summary>Stands for a hash not computed yet: the hashes of ids are never negative.</summary>
    internal const int UnknownHash = -1;

    /// <summary>Each id's entry in the arena: its index (4 bytes), its UTF-8 length (2 bytes), then its UTF-8.</summary>
    private const int EntryHeaderBytes = 6;

    private byte[] _arena;
    private int _arenaLength;

    /// <summary>Where each id's entry starts in the arena, by index.</summary>
    private int[] _offsets;

    // Each slot holds an id's 31-bit hash above its entry's place in the arena, so a probe rejects
    // other ids without touching their entries, and a lookup in a table far larger than the cache
    // costs one miss in the slots and one in the arena, whose entry holds the id's index.
    private long[] _slots;
    private int _count;
    private readonly bool _readOnly;

    public IdTable(int capacity = 4)
    {
        capacity = Math.Max(capacity, 4);
        _arena = new byte[capacity * (16 + EntryHeaderBytes)];
        _offsets = new int[capacity + 1];
        _slots = CreateSlots(capacity);
    }

    /// <summary>A read-only table over another's arrays (<see cref="Snapshot"/>).</summary>
    private IdTable(byte[] arena, int arenaLength, int[] offsets, long[] slots, int count)
    {
        (_arena, _arenaLength, _offsets, _slots, _count) = (arena, arenaLength, offsets, slots, count);
        _readOnly = true;
    }

    public int Count => _count;

    /// <summary>Bytes of the arena in use: the ids' UTF-8 and a 6-byte header each.</summary>
    public int ArenaBytes => _arenaLength;

    /// <summary>Bytes held by the table's arrays.</summary>
    public long FootprintBytes => _arena.Length + (_offsets.Length * 4L) + (_slots.Length * 8L);

    public string this[int index] => Encoding.UTF8.GetString(Utf8(index));

    public ReadOnlySpan<byte> Utf8(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
        return EntryUtf8(_offsets[index]);
    }

    private ReadOnlySpan<byte> EntryUtf8(int offset) =>
        _arena.AsSpan(offset + EntryHeaderBytes, BinaryPrimitives.ReadUInt16LittleEndian(_arena.AsSpan(offset + 4)));

    /// <summary>The index of <paramref name="id"/>, or -1 when it is not in the table.</summary>
    public int IndexOf(string id) => IndexOf(id, UnknownHash);

    /// <summary><see cref="IndexOf(string)"/> with the id's hash already known (<see cref="UnknownHash"/> when not).</summary>
    internal int IndexOf(string id, int hash)
    {
        using var encoded = new EncodedId(id, stackalloc byte[MaxIdLength * 3]);
        return Find(encoded.Utf8, hash == UnknownHash ? Hash(encoded.Utf8) : hash, out _);
    }

    /// <summary>The hash this table files <paramref name="id"/> under.</summary>
    internal static int HashOf(string id)
    {
        using var encoded = new EncodedId(id, stackalloc byte[MaxIdLength * 3]);
        return Hash(encoded.Utf8);
    }

    /// <summary>Starts loading the slot where the lookup of an id with this hash begins.</summary>
    internal void PrefetchSlot(int hash) => CacheHint.Prefetch(in _slots[hash & (_slots.Length - 1)]);

    /// <summary>Starts loading the arena entry of the id in this hash's first slot, if that id's hash is this one.</summary>
    internal void PrefetchEntry(int hash)
    {
        var entry = _slots[hash & (_slots.Length - 1)];
        var offset = (int)(uint)entry;
        if (entry != EmptySlot && (int)(entry >> 32) == hash && offset < _arenaLength)
        {
            CacheHint.Prefetch(in _arena[offset]);
        }
    }

    /// <summary>Adds <paramref name="id"/> unless present; returns its index and whether it was added.</summary>
    public int GetOrAdd(string id, out bool added) => GetOrAdd(id, UnknownHash, out added);

    /// <summary><see cref="GetOrAdd(string, out bool)"/> with the id's hash already known (<see cref="UnknownHash"/> when not).</summary>
    internal int GetOrAdd(string id, int hash, out bool added)
    {
        using var encoded = new EncodedId(id, stackalloc byte[MaxIdLength * 3]);
        return GetOrAdd(encoded.Utf8, hash == UnknownHash ? Hash(encoded.Utf8) : hash, out added);
    }

    public int GetOrAdd(string id) => GetOrAdd(id, out _);

    public int GetOrAdd(ReadOnlySpan<byte> utf8, out bool added) => GetOrAdd(utf8, Hash(utf8), out added);

    private int GetOrAdd(ReadOnlySpan<byte> utf8, int hash, out bool added)
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("A snapshot of an id table takes no ids.");
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(utf8.Length, ushort.MaxValue, nameof(utf8));

        var found = Find(utf8, hash, out var slot);
        if (found >= 0)
        {
            added = false;
            return found;
        }

        if ((_count + 1) * 2 > _slots.Length)
        {
            Grow();
            Find(utf8, hash, out slot);
        }

        EnsureArena(_arenaLength + EntryHeaderBytes + utf8.Length);
        if (_count >= _offsets.Length)
        {
            Array.Resize(ref _offsets, _offsets.Length * 2);
        }

        var index = _count;
        var offset = _arenaLength;
        var entry = _arena.AsSpan(offset);
        BinaryPrimitives.WriteInt32LittleEndian(entry, index);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[4..], (ushort)utf8.Length);
        utf8.CopyTo(entry[EntryHeaderBytes..]);
        _arenaLength += EntryHeaderBytes + utf8.Length;
        _offsets[index] = offset;
        _count++;
        _slots[slot] = ((long)hash << 32) | (uint)offset;
        added = true;
        return index;
    }

    /// <summary>
    /// The table as it is now, read-only, for reading on another thread while this one grows. It
    /// shares this table's arrays instead of copying them: the table never changes an entry once
    /// written and moves to new arrays when it needs larger ones, so the snapshot's part of each
    /// array stays as it was. Its lookups pass over the slots that later ids took.
    /// </summary>
    public IdTable Snapshot() => new(_arena, _arenaLength, _offsets, _slots, _count);

    /// <summary>Every id in index order.</summary>
    public IEnumerable<string> Ids()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return this[i];
        }
    }

    private int Find(ReadOnlySpan<byte> utf8, int hash, out int slot)
    {
        var mask = _slots.Length - 1;
        slot = hash & mask;
        while (true)
        {
            var entry = _slots[slot];
            if (entry == EmptySlot)
            {
                return -1;
            }

            // In a snapshot, a slot may hold an id the table it shares its slots with added later,
            // past the snapshot's end of the arena.
            var offset = (int)(uint)entry;
            if ((int)(entry >> 32) == hash && offset < _arenaLength && EntryUtf8(offset).SequenceEqual(utf8))
            {
                return BinaryPrimitives.ReadInt32LittleEndian(_arena.AsSpan(offset));
            }

            slot = (slot + 1) & mask;
        }
    }

    private void Grow()
    {
        var old = _slots;
        _slots = CreateSlots(old.Length);
        var mask = _slots.Length - 1;
        foreach (var entry in old)
        {
            if (entry == EmptySlot)
            {
                continue;
            }

            var slot = (int)(entry >> 32) & mask;
            while (_slots[slot] != EmptySlot)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = entry;
        }
    }

    private void EnsureArena(int needed)
    {
        if (needed > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(needed, _arena.Length * 2));
        }
    }

    private static long[] CreateSlots(int capacity)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, capacity * 2));
        var slots = new long[size];
        slots.AsSpan().Fill(EmptySlot);
        return slots;
    }

    private static int Hash(ReadOnlySpan<byte> utf8) => (int)XxHash3.HashToUInt64(utf8) & int.MaxValue;

    /// <summary>An id's UTF-8 bytes, in the caller's stack buffer or, for a longer id, a pooled array given back on dispose.</summary>
    private readonly ref struct EncodedId
    {
        private readonly byte[]? _rented;

        public EncodedId(string id, Span<byte> buffer)
        {
            var max = Encoding.UTF8.GetMaxByteCount(id.Length);
            if (max > buffer.Length)
            {
                _rented = ArrayPool<byte>.Shared.Rent(max);
                buffer = _rented;
            }

            Utf8 = buffer[..Encoding.UTF8.GetBytes(id, buffer)];
        }

        public ReadOnlySpan<byte> Utf8 { get; }

        public void Dispose()
        {
            if (_rented is not null)
            {
                ArrayPool<byte>.Shared.Return(_rented);
            }
        }
    }

    /// <summary>The table as two arrays (UTF-8 arena and end offsets), for compact serialization.</summary>
    public (byte[] Utf8, int[] Ends) Export()
    {
        var ends = new int[_count];
        var utf8 = new byte[_arenaLength - (_count * EntryHeaderBytes)];
        var end = 0;
        for (var i = 0; i < _count; i++)
        {
            var id = Utf8(i);
            id.CopyTo(utf8.AsSpan(end));
            end += id.Length;
            ends[i] = end;
        }

        return (utf8, ends);
    }

    public static IdTable Import(byte[] utf8, int[] ends)
    {
        var table = new IdTable(ends.Length);
        var start = 0;
        foreach (var end in ends)
        {
            table.GetOrAdd(utf8.AsSpan(start, end - start), out _);
            start = end;
        }

        return table;
    }
}

/// <summary>Stable 64-bit hashing of ids, used to pick shards and to key compact sets.</summary>
[SkipLocalsInit] // a pair's stack buffer is written in full before it is hashed
public static class IdHash
{
    public static ulong Of(string id) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(id.AsSpan()));

    /// <summary>The hash of both ids' UTF-16 bytes with two zero bytes between them.</summary>
    public static ulong Of(string first, string second) => OfPair([], first, second);

    /// <summary>
    /// The pair hash of (<paramref name="prefix"/> + <paramref name="first"/>, <paramref name="second"/>),
    /// without building the joined string.
    /// </summary>
    public static ulong Of(string prefix, string first, string second) => OfPair(prefix, first, second);

    private static ulong OfPair(ReadOnlySpan<char> prefix, ReadOnlySpan<char> first, ReadOnlySpan<char> second)
    {
        // Two ids of the longest allowed length fit on the stack and take one one-shot hash, which
        // costs less than the streaming hasher's reset and appends.
        var firstLength = prefix.Length + first.Length;
        var length = (firstLength + second.Length + 1) * sizeof(char);
        if (length <= PairOnStackBytes)
        {
            Span<byte> pair = stackalloc byte[length];
            MemoryMarshal.AsBytes(prefix).CopyTo(pair);
            MemoryMarshal.AsBytes(first).CopyTo(pair[(prefix.Length * sizeof(char))..]);
            var secondStart = (firstLength + 1) * sizeof(char);
            pair[(secondStart - 2)..secondStart].Clear();
            MemoryMarshal.AsBytes(second).CopyTo(pair[secondStart..]);
            return XxHash3.HashToUInt64(pair);
        }

        var hash = Hasher();
        hash.Append(MemoryMarshal.AsBytes(prefix));
        hash.Append(MemoryMarshal.AsBytes(first));
        hash.Append([0, 0]);
        hash.Append(MemoryMarshal.AsBytes(second));
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>Two ids of the longest allowed length, one of them with a short prefix (the directory's "like:"), and the separator.</summary>
    private const int PairOnStackBytes = ((2 * IdTable.MaxIdLength) + 8) * sizeof(char);

    public static int Shard(string id, int shards) => Shard(Of(id), shards);

    /// <summary>The shard of the id whose <see cref="Of(string)"/> is <paramref name="idHash"/>.</summary>
    public static int Shard(ulong idHash, int shards) => (int)(idHash % (ulong)shards);

    [ThreadStatic]
    private static XxHash3? t_hasher;

    /// <summary>
    /// This thread's streaming hasher, reset: a new <see cref="XxHash3"/> per hash was the largest
    /// allocation of durable ingest. Use it for one synchronous computation, with no await before
    /// reading the hash.
    /// </summary>
    private static XxHash3 Hasher()
    {
        var hasher = t_hasher ??= new XxHash3();
        hasher.Reset();
        return hasher;
    }
}
