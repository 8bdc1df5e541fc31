namespace Reach.Analysis.Cascades;

public sealed record TimelineBucket(DateTimeOffset Start, int Reposts, int Cumulative);

public sealed record CascadeTimeline(string PostId, TimeSpan Bucket, IReadOnlyList<TimelineBucket> Buckets);

/// <summary>Reposts per time bucket, buckets aligned on the root's time.</summary>
public static class CascadeTimelineBuilder
{
    public const int MaxBuckets = 100_000;

    /// <summary>Why a timeline with this bucket width cannot be built, or null when it can.</summary>
    public static string? Problem(CascadeGraph graph, TimeSpan bucket)
    {
        if (bucket <= TimeSpan.Zero)
        {
            return "the bucket must be a positive duration";
        }

        var (first, last) = Range(graph, bucket);
        if (first < DateTimeOffset.MinValue.UtcTicks || last > DateTimeOffset.MaxValue.UtcTicks)
        {
            return $"a bucket of {bucket} reaches outside the calendar for this cascade; choose a narrower bucket";
        }

        var count = ((last - first) / bucket.Ticks) + 1;
        return count > MaxBuckets
            ? $"a bucket of {bucket} gives {count} buckets for this cascade; the limit is {MaxBuckets}, choose a wider bucket"
            : null;
    }

    public static CascadeTimeline Build(CascadeGraph graph, TimeSpan bucket)
    {
        if (Problem(graph, bucket) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), problem);
        }

        var rootAt = graph.RootTime!.Value;
        var (first, last) = Range(graph, bucket);
        var count = ((last - first) / bucket.Ticks) + 1;

        var counts = new int[count];
        foreach (var t in graph.Times[1..])
        {
            counts[(BucketStart(t, rootAt, bucket) - first) / bucket.Ticks]++;
        }

        var buckets = new TimelineBucket[count];
        var cumulative = 0;
        for (var i = 0; i < count; i++)
        {
            cumulative += counts[i];
            buckets[i] = new TimelineBucket(new DateTimeOffset(first + (i * bucket.Ticks), TimeSpan.Zero), counts[i], cumulative);
        }

        return new CascadeTimeline(graph.RootPostId, bucket, buckets);
    }

    /// <summary>Start of the first bucket and of the last one.</summary>
    private static (long First, long Last) Range(CascadeGraph graph, TimeSpan bucket)
    {
        var rootAt = graph.RootTime ?? throw new InvalidOperationException("The root post of this cascade has not arrived.");
        long min = rootAt, max = rootAt;
        foreach (var t in graph.Times)
        {
            min = Math.Min(min, t);
            max = Math.Max(max, t);
        }

        return (BucketStart(min, rootAt, bucket), BucketStart(max, rootAt, bucket));
    }

    private static long BucketStart(long t, long rootAt, TimeSpan bucket)
    {
        var offset = t - rootAt;
        var index = offset >= 0 ? offset / bucket.Ticks : ((offset + 1) / bucket.Ticks) - 1;
        return rootAt + (index * bucket.Ticks);
    }
}
