using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Reach.Analysis.Cascades;

/// <summary>Appends variable-length integers (LEB128, zigzag for signed) and raw bytes to a growing buffer.</summary>
internal struct SnapshotWriter(int capacity)
{
    private byte[] _buffer = new byte[Math.Max(64, capacity)];
    private int _length;

    public void WriteVar(ulong value)
    {
        Ensure(VarInt.MaxBytes);
        _length += VarInt.Write(_buffer.AsSpan(_length), value);
    }

    public void WriteZigZag(long value) => WriteVar(VarInt.ZigZag(value));

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteVar((ulong)bytes.Length);
        WriteBytes(bytes);
    }

    public void WriteHashes(HashSet<ulong> hashes)
    {
        WriteVar((ulong)hashes.Count);
        Ensure(hashes.Count * 8);
        foreach (var hash in hashes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), hash);
            _length += 8;
        }
    }

    public readonly byte[] ToArray() => _buffer[.._length];

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_length + more)));
        }
    }
}

/// <summary>Reads what <see cref="SnapshotWriter"/> wrote; a truncated or malformed image throws <see cref="InvalidDataException"/>.</summary>
internal ref struct SnapshotReader(ReadOnlySpan<byte> data, int start)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position = start;

    public readonly bool AtEnd => _position == _data.Length;

    public ulong ReadVar() => VarInt.Read(_data, ref _position, out var value) switch
    {
        OperationStatus.Done => value,
        OperationStatus.NeedMoreData => throw new InvalidDataException("Cascade snapshot is truncated."),
        _ => throw new InvalidDataException("Cascade snapshot holds a malformed number."),
    };

    public long ReadZigZag() => VarInt.UnZigZag(ReadVar());

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw new InvalidDataException("Cascade snapshot is truncated.");
        }

        return _data[_position++];
    }

    public ReadOnlySpan<byte> ReadBytes(int length)
    {
        if (length < 0 || _position + length > _data.Length)
        {
            throw new InvalidDataException("Cascade snapshot is truncated.");
        }

        var bytes = _data.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes(checked((int)ReadVar())));

    public void ReadHashes(HashSet<ulong> hashes)
    {
        var count = checked((int)ReadVar());
        var bytes = ReadBytes(checked(count * 8));
        hashes.EnsureCapacity(count);
        for (var i = 0; i < count; i++)
        {
            hashes.Add(BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]));
        }
    }
}
