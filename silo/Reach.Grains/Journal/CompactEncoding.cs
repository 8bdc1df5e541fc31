using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Reach.Analysis;

namespace Reach.Grains.Journal;

/// <summary>
/// Writes the compact journal encoding: unsigned varints, zigzag varints, UTF-8 strings with their
/// length, arrays with their count, and nothing else — no field tags or type information, since
/// each <see cref="JournalCodec{TEntry}"/> writes and reads its fields in a fixed order.
/// Arrays and strings may be null: their count or length is stored plus one, and zero is null.
/// </summary>
public readonly struct CompactWriter(IBufferWriter<byte> output)
{
    /// <summary>In a string array, this element equals the one before it (a cascade's root, say, repeated per post).</summary>
    internal const int SameAsPrevious = 1;

    /// <summary>In a string array, a string's UTF-8 length is stored plus this; 0 is null.</summary>
    internal const int StringLengthOffset = 2;

    public void WriteUnsigned(ulong value) => output.Advance(VarInt.Write(output.GetSpan(VarInt.MaxBytes), value));

    public void WriteSigned(long value) => WriteUnsigned(VarInt.ZigZag(value));

    public void WriteBool(bool value) => WriteUnsigned(value ? 1UL : 0UL);

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteUnsigned(0);
            return;
        }

        WriteUtf8(value, 1);
    }

    /// <summary>Count plus one (0 for null), then each element: 0 null, 1 the same as the element before, else its UTF-8 length plus 2 and the bytes.</summary>
    public void WriteStrings(string?[]? values)
    {
        if (!WriteCount(values))
        {
            return;
        }

        string? previous = null;
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (value is null)
            {
                WriteUnsigned(0);
            }
            else if (previous is not null && (ReferenceEquals(value, previous) || value == previous))
            {
                WriteUnsigned(SameAsPrevious);
            }
            else
            {
                WriteUtf8(value, StringLengthOffset);
            }

            previous = value;
        }
    }

    /// <summary>Each value as the zigzag varint of its difference from the one before: times and counts of one batch lie close together.</summary>
    public void WriteLongs(long[]? values)
    {
        if (!WriteCount(values))
        {
            return;
        }

        var previous = 0L;
        foreach (var value in values)
        {
            WriteSigned(unchecked(value - previous));
            previous = value;
        }
    }

    /// <summary>Eight little-endian bytes each: hashes are spread over the whole range, where varints only grow.</summary>
    public void WriteFixed64s(ulong[]? values)
    {
        if (!WriteCount(values))
        {
            return;
        }

        var span = output.GetSpan(values.Length * sizeof(ulong));
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[(i * sizeof(ulong))..], values[i]);
        }

        output.Advance(values.Length * sizeof(ulong));
    }

    /// <summary>Eight to a byte, the first in the lowest bit.</summary>
    public void WriteBools(bool[]? values)
    {
        if (!WriteCount(values))
        {
            return;
        }

        var bytes = (values.Length + 7) / 8;
        var span = output.GetSpan(bytes)[..bytes];
        span.Clear();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i])
            {
                span[i >> 3] |= (byte)(1 << (i & 7));
            }
        }

        output.Advance(bytes);
    }

    /// <summary>Writes the count of an array plus one, or 0 for null; false when there is nothing more to write.</summary>
    public bool WriteCount<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] T[]? values)
    {
        WriteUnsigned(values is null ? 0UL : (ulong)values.Length + 1);
        return values is { Length: > 0 };
    }

    private void WriteUtf8(string value, int lengthOffset)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteUnsigned((ulong)length + (ulong)lengthOffset);
        var span = output.GetSpan(length);
        output.Advance(Encoding.UTF8.GetBytes(value, span));
    }
}

/// <summary>Reads what <see cref="CompactWriter"/> wrote; throws <see cref="InvalidDataException"/> on anything that does not fit.</summary>
public ref struct CompactReader(ReadOnlySpan<byte> payload)
{
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _position;

    public readonly bool AtEnd => _position == _payload.Length;

    public ulong ReadUnsigned() => VarInt.Read(_payload, ref _position, out var value) switch
    {
        OperationStatus.Done => value,
        OperationStatus.NeedMoreData => throw Truncated(),
        _ => throw new InvalidDataException("A journal entry holds a varint longer than 64 bits."),
    };

    public long ReadSigned() => VarInt.UnZigZag(ReadUnsigned());

    public bool ReadBool() => ReadUnsigned() switch
    {
        0 => false,
        1 => true,
        var other => throw new InvalidDataException($"A journal entry holds {other} where a bool belongs."),
    };

    public string? ReadString()
    {
        var length = ReadUnsigned();
        return length == 0 ? null : ReadUtf8(length - 1);
    }

    public string ReadRequiredString() => ReadString() ?? throw new InvalidDataException("A journal entry holds null where a string is required.");

    /// <summary>An array whose elements are never null.</summary>
    public string[]? ReadStrings() => ReadStringsCore(nullElements: false);

    public string?[]? ReadNullableStrings() => ReadStringsCore(nullElements: true);

    public long[]? ReadLongs()
    {
        if (ReadCount(minimumBytesEach: 1) is not { } count)
        {
            return null;
        }

        var values = new long[count];
        var previous = 0L;
        for (var i = 0; i < count; i++)
        {
            previous = unchecked(previous + ReadSigned());
            values[i] = previous;
        }

        return values;
    }

    public ulong[]? ReadFixed64s()
    {
        if (ReadCount(minimumBytesEach: sizeof(ulong)) is not { } count)
        {
            return null;
        }

        var values = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(Take(sizeof(ulong)));
        }

        return values;
    }

    public bool[]? ReadBools()
    {
        if (ReadCount(minimumBytesEach: 0) is not { } count)
        {
            return null;
        }

        var bits = Take((count + 7) / 8);
        var values = new bool[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (bits[i >> 3] & (1 << (i & 7))) != 0;
        }

        return values;
    }

    /// <summary>
    /// The count of an array (null for a null array). A count the remaining bytes cannot hold is
    /// corruption, caught here before it allocates.
    /// </summary>
    public int? ReadCount(int minimumBytesEach)
    {
        var stored = ReadUnsigned();
        if (stored == 0)
        {
            return null;
        }

        var count = stored - 1;
        var remaining = (ulong)(_payload.Length - _position);
        var fits = minimumBytesEach == 0 ? count <= remaining * 8 : count <= remaining / (ulong)minimumBytesEach;
        return fits ? (int)count : throw new InvalidDataException($"A journal entry announces {count} elements, more than its remaining {remaining} bytes can hold.");
    }

    /// <summary>Throws unless every byte was read: an entry read with the wrong codec rarely ends exactly at its end.</summary>
    public readonly void EnsureAtEnd()
    {
        if (!AtEnd)
        {
            throw new InvalidDataException($"A journal entry has {_payload.Length - _position} bytes left over after its last field.");
        }
    }

    private string[]? ReadStringsCore(bool nullElements)
    {
        if (ReadCount(minimumBytesEach: 1) is not { } count)
        {
            return null;
        }

        var values = new string[count];
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var marker = ReadUnsigned();
            string? value = marker switch
            {
                0 when nullElements => null,
                0 => throw new InvalidDataException("A journal entry holds a null element in an array of required strings."),
                CompactWriter.SameAsPrevious => previous ?? throw new InvalidDataException("A journal entry repeats a string that is not there."),
                _ => ReadUtf8(marker - CompactWriter.StringLengthOffset),
            };
            values[i] = value!;
            previous = value;
        }

        return values;
    }

    private string ReadUtf8(ulong length)
    {
        if (length > (ulong)(_payload.Length - _position))
        {
            throw Truncated();
        }

        return Encoding.UTF8.GetString(Take((int)length));
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _payload.Length - _position)
        {
            throw Truncated();
        }

        var span = _payload.Slice(_position, length);
        _position += length;
        return span;
    }

    private static InvalidDataException Truncated() => new("A journal entry ends in the middle of a field.");
}
