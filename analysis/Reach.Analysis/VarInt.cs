using System.Buffers;

namespace Reach.Analysis;

/// <summary>
/// Unsigned LEB128 varints (seven bits a byte, low first, the high bit set on all but the last) and
/// the zigzag mapping that gives small signed values short varints. The cascade snapshot and the
/// journal's compact encoding both store their numbers this way.
/// </summary>
public static class VarInt
{
    /// <summary>The most bytes a 64-bit value takes.</summary>
    public const int MaxBytes = 10;

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/> (at least <see cref="MaxBytes"/> long); returns the bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        var written = 0;
        while (value >= 0x80)
        {
            destination[written++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[written++] = (byte)value;
        return written;
    }

    /// <summary>
    /// Reads the varint at <paramref name="position"/> and moves past it: <see cref="OperationStatus.Done"/>,
    /// <see cref="OperationStatus.NeedMoreData"/> when the data ends inside it, or
    /// <see cref="OperationStatus.InvalidData"/> when it runs past 64 bits.
    /// </summary>
    public static OperationStatus Read(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                return OperationStatus.NeedMoreData;
            }

            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return OperationStatus.Done;
            }
        }

        return OperationStatus.InvalidData;
    }

    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}
