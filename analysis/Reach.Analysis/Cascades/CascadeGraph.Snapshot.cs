using System.Runtime.InteropServices;
using Reach.Analysis.Ids;

namespace Reach.Analysis.Cascades;

/// <summary>A compact binary image of a <see cref="CascadeGraph"/>: flat arrays, no object per node.</summary>
public sealed partial class CascadeGraph
{
    private const int SnapshotFormat = 1;

    public byte[] ToSnapshot()
    {
        using var stream = new MemoryStream(capacity: SnapshotSizeHint());
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(SnapshotFormat);
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
        using var reader = new BinaryReader(new MemoryStream(snapshot));
        var format = reader.ReadInt32();
        if (format != SnapshotFormat)
        {
            throw new InvalidDataException($"Unknown cascade snapshot format {format}.");
        }

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
            var node = reader.ReadInt32();
            var parent = reader.ReadString();
            graph._declaredParentOf[node] = parent;
            if (!graph._waitingFor.TryGetValue(parent, out var waiting))
            {
                graph._waitingFor[parent] = waiting = [];
            }

            waiting.Add(node);
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
