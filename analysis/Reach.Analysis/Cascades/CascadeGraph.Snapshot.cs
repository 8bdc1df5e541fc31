using System.Runtime.InteropServices;
using Reach.Analysis.Ids;

namespace Reach.Analysis.Cascades;

/// <summary>
/// A compact binary image of a <see cref="CascadeGraph"/>, no object per node. Format 2 (written)
/// stores node columns as variable-length deltas (a parent is usually a recent node, times mostly
/// rise, accounts mostly appear in node order) and ids front-coded against the previous id, about
/// a third of format 1's size; format 1 (flat arrays) is still read, so stored snapshots stay usable.
/// </summary>
public sealed partial class CascadeGraph
{
    private const int FlatFormat = 1;
    private const int DeltaFormat = 2;

    public byte[] ToSnapshot()
    {
        var writer = new SnapshotWriter(SnapshotSizeHint() / 2);
        writer.WriteInt32(DeltaFormat);
        writer.WriteVar((ulong)_count);
        WriteFrontCoded(ref writer, _ids);
        WriteFrontCoded(ref writer, _accounts);
        var previousAt = 0L;
        var previousAccount = -1;
        for (var i = 0; i < _count; i++)
        {
            writer.WriteZigZag(i - _parent[i]);
            writer.WriteZigZag(_at[i] - previousAt);
            writer.WriteZigZag(_account[i] - (previousAccount + 1));
            writer.WriteByte(_kind[i]);
            writer.WriteByte(_flags[i]);
            (previousAt, previousAccount) = (_at[i], Math.Max(previousAccount, _account[i]));
        }

        writer.WriteVar((ulong)_declaredParentOf.Count);
        foreach (var (node, parent) in _declaredParentOf)
        {
            writer.WriteVar((ulong)node);
            writer.WriteString(parent);
        }

        writer.WriteHashes(_likes);
        writer.WriteHashes(_replies);
        writer.WriteByte(Impressions.HasValue ? (byte)1 : (byte)0);
        writer.WriteZigZag(Impressions ?? 0);
        writer.WriteZigZag(ImpressionsAt);
        writer.WriteZigZag(Version);
        return writer.ToArray();
    }

    /// <summary>The format 1 image: kept to prove that stored format 1 snapshots still load.</summary>
    internal byte[] ToFlatSnapshot()
    {
        using var stream = new MemoryStream(capacity: SnapshotSizeHint());
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FlatFormat);
            writer.Write(_count);
            WriteTable(writer, _ids);
            WriteTable(writer, _accounts);
            WriteArray(writer, _parent.AsSpan(0, _count));
            WriteArray(writer, _at.AsSpan(0, _count));
            WriteArray(writer, _account.AsSpan(0, _count));
            writer.Write(_kind.AsSpan(0, _count));
            writer.Write(_flags.AsSpan(0, _count));
            writer.Write(_declaredParentOf.Count);
            foreach (var (node, parent) in _declaredParentOf)
            {
                writer.Write(node);
                writer.Write(parent);
            }

            WriteArray(writer, _likes.ToArray().AsSpan());
            WriteArray(writer, _replies.ToArray().AsSpan());
            writer.Write(Impressions.HasValue);
            writer.Write(Impressions ?? 0);
            writer.Write(ImpressionsAt);
            writer.Write(Version);
        }

        return stream.ToArray();
    }

    /// <summary>Close to the snapshot's size, so that writing it does not regrow the buffer.</summary>
    private int SnapshotSizeHint() =>
        (int)Math.Min(int.MaxValue - 64, 256 + _ids.ArenaBytes + _accounts.ArenaBytes + ((_ids.Count + _accounts.Count) * 4L)
            + (_count * 19L) + ((_likes.Count + _replies.Count) * 8L) + (_declaredParentOf.Count * 48L));

    public static CascadeGraph FromSnapshot(byte[] snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var format = snapshot.Length >= 4 ? BitConverter.ToInt32(snapshot, 0) : -1;
        return format switch
        {
            FlatFormat => FromFlatSnapshot(snapshot),
            DeltaFormat => FromDeltaSnapshot(snapshot),
            _ => throw new InvalidDataException($"Unknown cascade snapshot format {format}."),
        };
    }

    private static CascadeGraph FromDeltaSnapshot(byte[] snapshot)
    {
        var reader = new SnapshotReader(snapshot, start: 4);
        var count = checked((int)reader.ReadVar());
        var ids = ReadFrontCoded(ref reader);
        var accounts = ReadFrontCoded(ref reader);
        var graph = new CascadeGraph(ids, accounts, Math.Max(count, 1)) { _count = count };
        var previousAt = 0L;
        var previousAccount = -1;
        for (var i = 0; i < count; i++)
        {
            graph._parent[i] = checked((int)(i - reader.ReadZigZag()));
            graph._at[i] = previousAt + reader.ReadZigZag();
            graph._account[i] = checked((int)(previousAccount + 1 + reader.ReadZigZag()));
            graph._kind[i] = reader.ReadByte();
            graph._flags[i] = reader.ReadByte();
            (previousAt, previousAccount) = (graph._at[i], Math.Max(previousAccount, graph._account[i]));
        }

        var unresolved = checked((int)reader.ReadVar());
        for (var i = 0; i < unresolved; i++)
        {
            graph.AddWaiting(checked((int)reader.ReadVar()), reader.ReadString());
        }

        reader.ReadHashes(graph._likes);
        reader.ReadHashes(graph._replies);
        var hasImpressions = reader.ReadByte() == 1;
        var impressions = reader.ReadZigZag();
        graph.Impressions = hasImpressions ? impressions : null;
        graph.ImpressionsAt = reader.ReadZigZag();
        graph.Version = reader.ReadZigZag();
        if (!reader.AtEnd)
        {
            throw new InvalidDataException("Cascade snapshot has trailing bytes.");
        }

        return graph;
    }

    private static CascadeGraph FromFlatSnapshot(byte[] snapshot)
    {
        using var reader = new BinaryReader(new MemoryStream(snapshot));
        reader.ReadInt32();
        var count = reader.ReadInt32();
        var ids = ReadTable(reader);
        var accounts = ReadTable(reader);
        var graph = new CascadeGraph(ids, accounts, count)
        {
            _count = count,
        };
        ReadArray(reader, graph._parent.AsSpan(0, count));
        ReadArray(reader, graph._at.AsSpan(0, count));
        ReadArray(reader, graph._account.AsSpan(0, count));
        reader.Read(graph._kind.AsSpan(0, count));
        reader.Read(graph._flags.AsSpan(0, count));
        var unresolved = reader.ReadInt32();
        for (var i = 0; i < unresolved; i++)
        {
            graph.AddWaiting(reader.ReadInt32(), reader.ReadString());
        }

        graph._likes.UnionWith(ReadArray<ulong>(reader));
        graph._replies.UnionWith(ReadArray<ulong>(reader));
        var hasImpressions = reader.ReadBoolean();
        var impressions = reader.ReadInt64();
        graph.Impressions = hasImpressions ? impressions : null;
        graph.ImpressionsAt = reader.ReadInt64();
        graph.Version = reader.ReadInt64();
        return graph;
    }

    /// <summary>
    /// A copy as the graph is now, so that an analysis can read it on another thread while this
    /// graph keeps taking events. Its post and account ids are read-only snapshots of this graph's
    /// tables (<see cref="IdTable.Snapshot"/>): the copy takes no more nodes.
    /// </summary>
    public CascadeGraph Clone()
    {
        var copy = new CascadeGraph(_ids.Snapshot(), _accounts.Snapshot(), Math.Max(_count, 1)) { _count = _count };
        _parent.AsSpan(0, _count).CopyTo(copy._parent);
        _at.AsSpan(0, _count).CopyTo(copy._at);
        _account.AsSpan(0, _count).CopyTo(copy._account);
        _kind.AsSpan(0, _count).CopyTo(copy._kind);
        _flags.AsSpan(0, _count).CopyTo(copy._flags);
        foreach (var (node, parent) in _declaredParentOf)
        {
            copy.AddWaiting(node, parent);
        }

        copy._likes.UnionWith(_likes);
        copy._replies.UnionWith(_replies);
        (copy.Impressions, copy.ImpressionsAt, copy.Version) = (Impressions, ImpressionsAt, Version);
        return copy;
    }

    private CascadeGraph(IdTable ids, IdTable accounts, int capacity)
    {
        _ids = ids;
        _accounts = accounts;
        _parent = new int[capacity];
        _at = new long[capacity];
        _account = new int[capacity];
        _kind = new byte[capacity];
        _flags = new byte[capacity];
    }

    private void AddWaiting(int node, string parent)
    {
        _declaredParentOf[node] = parent;
        if (!_waitingFor.TryGetValue(parent, out var waiting))
        {
            _waitingFor[parent] = waiting = [];
        }

        waiting.Add(node);
    }

    /// <summary>Each id as the length of the prefix it shares with the previous one, then the rest.</summary>
    private static void WriteFrontCoded(ref SnapshotWriter writer, IdTable table)
    {
        writer.WriteVar((ulong)table.Count);
        var previous = ReadOnlySpan<byte>.Empty;
        for (var i = 0; i < table.Count; i++)
        {
            var id = table.Utf8(i);
            var shared = id.CommonPrefixLength(previous);
            writer.WriteVar((ulong)shared);
            writer.WriteVar((ulong)(id.Length - shared));
            writer.WriteBytes(id[shared..]);
            previous = id;
        }
    }

    private static IdTable ReadFrontCoded(ref SnapshotReader reader)
    {
        var count = checked((int)reader.ReadVar());
        var ends = new int[count];
        var utf8 = new byte[Math.Max(16, count * 8)];
        var length = 0;
        var previousStart = 0;
        for (var i = 0; i < count; i++)
        {
            var shared = checked((int)reader.ReadVar());
            var suffix = reader.ReadBytes(checked((int)reader.ReadVar()));
            if (shared > length - previousStart)
            {
                throw new InvalidDataException("Cascade snapshot id table is corrupt.");
            }

            if (length + shared + suffix.Length > utf8.Length)
            {
                Array.Resize(ref utf8, Math.Max(utf8.Length * 2, length + shared + suffix.Length));
            }

            utf8.AsSpan(previousStart, shared).CopyTo(utf8.AsSpan(length));
            suffix.CopyTo(utf8.AsSpan(length + shared));
            previousStart = length;
            length += shared + suffix.Length;
            ends[i] = length;
        }

        return IdTable.Import(utf8[..length], ends);
    }

    private static void WriteTable(BinaryWriter writer, IdTable table)
    {
        var (utf8, ends) = table.Export();
        WriteArray(writer, utf8.AsSpan());
        WriteArray(writer, ends.AsSpan());
    }

    private static IdTable ReadTable(BinaryReader reader) => IdTable.Import(ReadArray<byte>(reader), ReadArray<int>(reader));

    private static void WriteArray<T>(BinaryWriter writer, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    private static void WriteArray<T>(BinaryWriter writer, Span<T> values)
        where T : unmanaged => WriteArray(writer, (ReadOnlySpan<T>)values);

    private static T[] ReadArray<T>(BinaryReader reader)
        where T : unmanaged
    {
        var values = new T[reader.ReadInt32()];
        ReadArray(reader, values.AsSpan(), readLength: false);
        return values;
    }

    private static void ReadArray<T>(BinaryReader reader, Span<T> values, bool readLength = true)
        where T : unmanaged
    {
        if (readLength && reader.ReadInt32() != values.Length)
        {
            throw new InvalidDataException("Cascade snapshot arrays disagree in length.");
        }

        var bytes = MemoryMarshal.AsBytes(values);
        if (reader.Read(bytes) != bytes.Length)
        {
            throw new InvalidDataException("Cascade snapshot is truncated.");
        }
    }
}
