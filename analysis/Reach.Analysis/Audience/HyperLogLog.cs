using System.Numerics;
using Reach.Analysis.Ids;

namespace Reach.Analysis.Audience;

/// <summary>
/// A HyperLogLog sketch of a set of ids (Flajolet et al. 2007, with linear counting for small
/// sets as in Heule et al. 2013): 2^precision one-byte registers, each holding the longest run of
/// leading zeros seen among the 64-bit hashes routed to it. Estimates the number of distinct ids
/// with a relative standard error of 1.04 / √(2^precision) — 0.81% at precision 14 (16 KiB).
/// Sketches of the same precision merge exactly: the merge of two sketches is the sketch of the
/// union, so reach across accounts is a merge, and order and repetition never matter.
/// </summary>
public sealed class HyperLogLog
{
    public const int DefaultPrecision = 14;
    public const int MinPrecision = 4;
    public const int MaxPrecision = 18;

    private readonly byte[] _registers;

    // Σ 2^(64 − register) over all registers and the number of empty ones, kept exactly as the
    // registers change: the estimate costs O(1) and does not depend on the order of additions.
    private UInt128 _scaledInverseSum;
    private int _zeros;

    public HyperLogLog(int precision = DefaultPrecision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(precision, MinPrecision);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(precision, MaxPrecision);
        Precision = precision;
        _registers = new byte[1 << precision];
        _zeros = _registers.Length;
        _scaledInverseSum = (UInt128)_registers.Length << 64;
    }

    public int Precision { get; }

    /// <summary>1.04 / √m: the estimate's relative standard error.</summary>
    public double RelativeStandardError => 1.04 / Math.Sqrt(_registers.Length);

    public void Add(string id) => AddHash(IdHash.Of(id));

    /// <summary>Adds an element by its 64-bit hash (which must be well mixed, e.g. <see cref="IdHash"/>).</summary>
    public void AddHash(ulong hash)
    {
        var register = (int)(hash >> (64 - Precision));

        // The remaining bits, with a sentinel so that the rank never exceeds 64 - precision + 1.
        var rest = (hash << Precision) | (1UL << (Precision - 1));
        var rank = (byte)(BitOperations.LeadingZeroCount(rest) + 1);
        if (rank > _registers[register])
        {
            Raise(register, rank);
        }
    }

    /// <summary>Makes this sketch the sketch of the union of both sets.</summary>
    public void UnionWith(HyperLogLog other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Precision != Precision)
        {
            throw new ArgumentException($"Cannot merge a sketch of precision {other.Precision} into one of precision {Precision}.", nameof(other));
        }

        MergeRegisters(other._registers);
    }

    /// <summary>Merges a sketch given in its byte form (<see cref="ToBytes"/>) without building it.</summary>
    public void UnionWith(ReadOnlySpan<byte> sketchBytes)
    {
        if (sketchBytes.Length != 1 + _registers.Length || sketchBytes[0] != Precision)
        {
            throw new InvalidDataException($"Not a HyperLogLog sketch of precision {Precision}.");
        }

        MergeRegisters(sketchBytes[1..]);
    }

    private void MergeRegisters(ReadOnlySpan<byte> theirs)
    {
        var mine = _registers.AsSpan();
        var width = Vector<byte>.Count;
        var start = 0;
        for (; start + width <= mine.Length; start += width)
        {
            // Most blocks change nothing once a sketch is full: compare a vector at a time.
            if (Vector.GreaterThanAny(new Vector<byte>(theirs[start..]), new Vector<byte>(mine[start..])))
            {
                RaiseWhereHigher(theirs, start, start + width);
            }
        }

        RaiseWhereHigher(theirs, start, mine.Length);
    }

    private void RaiseWhereHigher(ReadOnlySpan<byte> other, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (other[i] > _registers[i])
            {
                if (other[i] > 64 - Precision + 1)
                {
                    throw new InvalidDataException("A HyperLogLog register is out of range.");
                }

                Raise(i, other[i]);
            }
        }
    }

    /// <summary>Adds every hash of <paramref name="hashes"/>.</summary>
    public void AddHashes(ReadOnlySpan<ulong> hashes)
    {
        foreach (var hash in hashes)
        {
            AddHash(hash);
        }
    }

    /// <summary>The estimated number of distinct elements added.</summary>
    public double Estimate()
    {
        var m = (double)_registers.Length;
        var inverseSum = Math.ScaleB((double)_scaledInverseSum, -64);
        var raw = Alpha(_registers.Length) * m * m / inverseSum;

        // Small sets: linear counting over the empty registers is far more accurate.
        return raw <= 2.5 * m && _zeros > 0 ? m * Math.Log(m / _zeros) : raw;
    }

    private void Raise(int register, byte rank)
    {
        var old = _registers[register];
        _scaledInverseSum -= UInt128.One << (64 - old);
        _scaledInverseSum += UInt128.One << (64 - rank);
        _zeros -= old == 0 ? 1 : 0;
        _registers[register] = rank;
    }

    /// <summary>The registers, prefixed by the precision: a stable format for storage.</summary>
    public byte[] ToBytes() => [(byte)Precision, .. _registers];

    public static HyperLogLog FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 1 || bytes[0] is < MinPrecision or > MaxPrecision || bytes.Length != 1 + (1 << bytes[0]))
        {
            throw new InvalidDataException("Not a HyperLogLog sketch.");
        }

        var sketch = new HyperLogLog(bytes[0]);
        var registers = bytes[1..];
        for (var i = 0; i < registers.Length; i++)
        {
            if (registers[i] > 64 - sketch.Precision + 1)
            {
                throw new InvalidDataException("A HyperLogLog register is out of range.");
            }

            if (registers[i] > 0)
            {
                sketch.Raise(i, registers[i]);
            }
        }

        return sketch;
    }

    public bool SameRegisters(HyperLogLog other) =>
        other is not null && other.Precision == Precision && _registers.AsSpan().SequenceEqual(other._registers);

    private static double Alpha(int m) => m switch
    {
        16 => 0.673,
        32 => 0.697,
        64 => 0.709,
        _ => 0.7213 / (1 + (1.079 / m)),
    };
}
