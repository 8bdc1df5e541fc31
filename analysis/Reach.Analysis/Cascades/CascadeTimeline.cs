namespace Reach.Analysis.Cascades;

/// <param name="Reach">Cumulative reach at the bucket's end (distinct accounts reached so far); null when no audience is known.</param>
public sealed record TimelineBucket(DateTimeOffset Start, int Reposts, int Cumulative, long? Reach = null);

public sealed record CascadeTimeline(string PostId, TimeSpan Bucket, IReadOnlyList<TimelineBucket> Buckets);

/// <summary>Reposts and cumulative reach per time bucket, buckets aligned on the root's time.</summary>
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

    /// <param name="marginalReach">Each node's marginal reach (see <see cref="Audience.CascadeAudience"/>; nodes beyond it count 0), or null to leave reach out.</param>
    public static CascadeTimeline Build(CascadeGraph graph, TimeSpan bucket, IReadOnlyList<long>? marginalReach = null)
    {
        if (Problem(graph, bucket) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), problem);
        }

        var rootAt = graph.RootTime!.Value;
        var (first, last) = Range(graph, bucket);
        var count = ((last - first) / bucket.Ticks) + 1;

        var counts = new int[count];
        var reached = new long[count];
        var times = graph.Times;
        for (var node = 0; node < times.Length; node++)
        {
            var index = (BucketStart(times[node], rootAt, bucket) - first) / bucket.Ticks;
            counts[index] += node > 0 ? 1 : 0;
            reached[index] += marginalReach is not null && node < marginalReach.Count ? marginalReach[node] : 0;
        }

        var buckets = new TimelineBucket[count];
        var cumulative = 0;
        long reach = 0;
        for (var i = 0; i < count; i++)
        {
            cumulative += counts[i];
            reach += reached[i];
            buckets[i] = new TimelineBucket(
                new DateTimeOffset(first + (i * bucket.Ticks), TimeSpan.Zero), counts[i], cumulative, marginalReach is null ? null : reach);
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
