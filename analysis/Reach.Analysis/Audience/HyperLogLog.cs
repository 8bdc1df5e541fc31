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

    public HyperLogLog(int precision = DefaultPrecision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(precision, MinPrecision);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(precision, MaxPrecision);
        Precision = precision;
        _registers = new byte[1 << precision];
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
            _registers[register] = rank;
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

        for (var i = 0; i < _registers.Length; i++)
        {
            _registers[i] = Math.Max(_registers[i], other._registers[i]);
        }
    }

    /// <summary>The estimated number of distinct elements added.</summary>
    public double Estimate()
    {
        var m = (double)_registers.Length;
        var inverseSum = 0.0;
        var zeros = 0;
        foreach (var register in _registers)
        {
            inverseSum += Math.ScaleB(1.0, -register);
            zeros += register == 0 ? 1 : 0;
        }

        var raw = Alpha(_registers.Length) * m * m / inverseSum;

        // Small sets: linear counting over the empty registers is far more accurate.
        return raw <= 2.5 * m && zeros > 0 ? m * Math.Log(m / zeros) : raw;
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
        bytes[1..].CopyTo(sketch._registers);
        if (sketch._registers.Any(r => r > 64 - sketch.Precision + 1))
        {
            throw new InvalidDataException("A HyperLogLog register is out of range.");
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
