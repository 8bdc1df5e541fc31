using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Reach.Analysis.Cascades;

/// <summary>What one pass over a large set of values found: its range, whether it was in order, and the values asked for.</summary>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
/// <param name="InOrder">No value is smaller than the one before it.</param>
/// <param name="AtRanks">The values at the ranks asked for, ascending rank; null when the pass could not settle them (then select them apart).</param>
/// <param name="NearTop">How many values are greater than max(<paramref name="Max"/>, the floor given) minus the window given; null with <paramref name="AtRanks"/>.</param>
public readonly record struct OnePassSelection(long Min, long Max, bool InOrder, long[]? AtRanks, int? NearTop);

public static partial class Selection
{
    /// <summary>Values sampled to place the brackets; sorting them took 30–100 μs.</summary>
    private const int SampleSize = 4_096;

    /// <summary>
    /// Brackets the sample expects to hold more than this share of the values (a cascade whose last
    /// hour holds a quarter of its reposts, say) are not gathered: the plain selection is left to it.
    /// The gathered values must also fit, grouped by bracket, in half of the scratch space.
    /// </summary>
    private const double MaxGatheredShare = 0.25;

    /// <summary>A bracket reaches this many standard deviations of a sample quantile's rank either side (and three sampled values more), so that for values in no particular order it seldom misses its rank.</summary>
    private const double BracketDeviations = 4;

    /// <summary>
    /// The range of <paramref name="values"/>, whether they are in order, the values at
    /// <paramref name="ranks"/> (0-based, ascending) and how many are near the top, in one pass over
    /// the values instead of the three of a range pass and <see cref="SelectRanks(ReadOnlySpan{long}, ReadOnlySpan{int}, Span{long}, long, long, long, out int)"/>.
    /// </summary>
    /// <remarks>
    /// A strided sample of the values, sorted, brackets each wanted rank (and the values within
    /// <paramref name="window"/> of the largest sampled one) by sample quantiles wide enough to hold
    /// it unless the sample is unlike the values; the pass counts the values below each bracket and
    /// gathers those inside into <paramref name="scratch"/>, and each rank is then selected among the
    /// few gathered. When a bracket turned out not to hold its rank, or the brackets would gather too
    /// many values (by the sample, more than <see cref="MaxGatheredShare"/> of them; in fact, more than
    /// half of <paramref name="scratch"/>), <see cref="OnePassSelection.AtRanks"/> is null and the
    /// caller selects the ranks apart. Nothing is estimated: every answer is exact or absent.
    /// </remarks>
    /// <param name="values">At least <see cref="SampleSize"/> values.</param>
    /// <param name="topFloor">The top counted from is the larger of this and the largest value.</param>
    /// <param name="window">Values greater than the top minus this (not negative) are counted near the top.</param>
    public static OnePassSelection SelectRanksInOnePass(ReadOnlySpan<long> values, ReadOnlySpan<int> ranks, Span<long> scratch, long topFloor, long window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(values.Length, SampleSize, nameof(values));
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(scratch.Length, values.Length, nameof(scratch));
        var n = values.Length;
        var sampleRented = ArrayPool<long>.Shared.Rent(SampleSize);
        try
        {
            var sample = sampleRented.AsSpan(0, SampleSize);
            var stride = n / SampleSize;
            for (var i = 0; i < SampleSize; i++)
            {
                sample[i] = values[i * stride];
            }

            sample.Sort();
            var brackets = new Bracket[ranks.Length + 1];
            for (var i = 0; i < ranks.Length; i++)
            {
                brackets[i] = RankBracket(sample, ranks[i], n);
            }

            // Every value within the window of the top lies above the largest sampled value minus the window.
            brackets[^1] = new Bracket(Below(sample[^1], window), long.MaxValue);
            var intervals = Merge(brackets, sample);
            if (intervals.Sum(interval => interval.Share) > MaxGatheredShare)
            {
                var (min, max) = Range(values);
                return new OnePassSelection(min, max, InOrder(values), null, null);
            }

            return Pass(values, ranks, scratch, intervals, topFloor, window);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(sampleRented);
        }
    }

    private static Bracket RankBracket(ReadOnlySpan<long> sample, int rank, int n)
    {
        var share = (rank + 0.5) / n;
        var at = share * sample.Length;
        var margin = (BracketDeviations * Math.Sqrt(sample.Length * share * (1 - share))) + 3;
        var low = (int)Math.Floor(at - margin);
        var high = (int)Math.Ceiling(at + margin);
        return new Bracket(low < 0 ? long.MinValue : sample[low], high >= sample.Length ? long.MaxValue : sample[high]);
    }

    /// <summary>How many of <paramref name="sorted"/> are below <paramref name="value"/> (or at most it, with <paramref name="orEqual"/>).</summary>
    private static int CountBelow(ReadOnlySpan<long> sorted, long value, bool orEqual = false)
    {
        var (low, high) = (0, sorted.Length);
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            (low, high) = sorted[mid] < value || (orEqual && sorted[mid] == value) ? (mid + 1, high) : (low, mid);
        }

        return low;
    }

    /// <summary>The brackets as disjoint intervals in increasing order, each with the share of the sample inside it.</summary>
    private static Bracket[] Merge(Bracket[] brackets, ReadOnlySpan<long> sample)
    {
        var sorted = brackets.OrderBy(b => b.Low).ToArray();
        var merged = new List<Bracket>(sorted.Length);
        foreach (var bracket in sorted)
        {
            if (merged.Count > 0 && bracket.Low <= merged[^1].High)
            {
                merged[^1] = merged[^1] with { High = Math.Max(merged[^1].High, bracket.High) };
            }
            else
            {
                merged.Add(bracket);
            }
        }

        for (var j = 0; j < merged.Count; j++)
        {
            var inside = CountBelow(sample, merged[j].High, orEqual: true) - CountBelow(sample, merged[j].Low);
            merged[j] = merged[j] with { Share = inside / (double)sample.Length };
        }

        return [.. merged];
    }

    private static OnePassSelection Pass(ReadOnlySpan<long> values, ReadOnlySpan<int> ranks, Span<long> scratch, Bracket[] intervals, long topFloor, long window)
    {
        var k = intervals.Length;
        var below = new int[k];
        var gathered = 0;
        var min = long.MaxValue;
        var max = long.MinValue;
        var i = 0;
        var width = Vector256<long>.Count;
        if (Vector256.IsHardwareAccelerated && values.Length >= width)
        {
            var low = Vector256.Create(long.MaxValue);
            var high = Vector256.Create(long.MinValue);
            Span<Vector256<long>> belowCounts = stackalloc Vector256<long>[k];
            Span<Vector256<long>> lows = stackalloc Vector256<long>[k];
            Span<Vector256<long>> highs = stackalloc Vector256<long>[k];
            for (var j = 0; j < k; j++)
            {
                (belowCounts[j], lows[j], highs[j]) = (Vector256<long>.Zero, Vector256.Create(intervals[j].Low), Vector256.Create(intervals[j].High));
            }

            for (; i <= values.Length - width; i += width)
            {
                var current = Vector256.Create(values.Slice(i, width));
                low = Vector256.Min(low, current);
                high = Vector256.Max(high, current);
                var inside = Vector256<long>.Zero;
                for (var j = 0; j < lows.Length; j++)
                {
                    var isBelow = Vector256.LessThan(current, lows[j]);
                    belowCounts[j] -= isBelow;
                    inside |= Vector256.AndNot(Vector256.LessThanOrEqual(current, highs[j]), isBelow);
                }

                for (var lanes = inside.ExtractMostSignificantBits(); lanes != 0; lanes &= lanes - 1)
                {
                    scratch[gathered++] = values[i + BitOperations.TrailingZeroCount(lanes)];
                }
            }

            for (var lane = 0; lane < width; lane++)
            {
                min = Math.Min(min, low[lane]);
                max = Math.Max(max, high[lane]);
            }

            for (var j = 0; j < k; j++)
            {
                below[j] = (int)Vector256.Sum(belowCounts[j]);
            }
        }

        for (; i < values.Length; i++)
        {
            var v = values[i];
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            var inside = false;
            for (var j = 0; j < k; j++)
            {
                below[j] += v < intervals[j].Low ? 1 : 0;
                inside |= v >= intervals[j].Low && v <= intervals[j].High;
            }

            if (inside)
            {
                scratch[gathered++] = v;
            }
        }

        // Checked apart, stopping at the first descent: values out of order, the case this pass is
        // for, end the check within a few values, so the pass itself does not carry it.
        var inOrder = InOrder(values);
        if (2L * gathered > scratch.Length)
        {
            return new OnePassSelection(min, max, inOrder, null, null);
        }

        // Group the gathered values by interval in the scratch space's second half.
        var starts = new int[k + 1];
        foreach (var v in scratch[..gathered])
        {
            starts[IntervalOf(v, intervals) + 1]++;
        }

        for (var j = 0; j < k; j++)
        {
            starts[j + 1] += starts[j];
        }

        var grouped = scratch.Slice(gathered, gathered);
        var fill = starts[..k];
        for (var g = 0; g < gathered; g++)
        {
            var v = scratch[g];
            grouped[fill[IntervalOf(v, intervals)]++] = v;
        }

        var atRanks = new long[ranks.Length];
        for (var r = 0; r < ranks.Length; r++)
        {
            var j = 0;
            while (j < k - 1 && below[j + 1] <= ranks[r])
            {
                j++;
            }

            var within = ranks[r] - below[j];
            if (within < 0 || within >= starts[j + 1] - starts[j])
            {
                return new OnePassSelection(min, max, inOrder, null, null);
            }

            atRanks[r] = Select(grouped[starts[j]..starts[j + 1]], within);
        }

        var threshold = Below(Math.Max(max, topFloor), window);
        var nearTop = 0;
        foreach (var v in grouped)
        {
            nearTop += v > threshold ? 1 : 0;
        }

        return new OnePassSelection(min, max, inOrder, atRanks, nearTop);
    }

    /// <summary><paramref name="value"/> − <paramref name="distance"/>, or the least value when that is lower.</summary>
    private static long Below(long value, long distance) => value < long.MinValue + distance ? long.MinValue : value - distance;

    private static int IntervalOf(long value, Bracket[] intervals)
    {
        var j = 0;
        while (value > intervals[j].High)
        {
            j++;
        }

        return j;
    }

    /// <summary>Values from <paramref name="Low"/> to <paramref name="High"/>, both included, holding about <paramref name="Share"/> of them by the sample.</summary>
    private readonly record struct Bracket(long Low, long High, double Share = 0);
}
