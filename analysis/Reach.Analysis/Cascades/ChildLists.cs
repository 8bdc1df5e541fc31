using System.Buffers;

namespace Reach.Analysis.Cascades;

/// <summary>The parent of every node of a tree, for work split between threads, which cannot capture a span.</summary>
internal delegate ReadOnlySpan<int> TreeParents();

/// <summary>
/// The children of every node of a tree as one array grouped by parent, each group in increasing
/// order, and where each group starts (n + 1 entries), in arrays rented until disposed.
/// </summary>
internal sealed class ChildLists : IDisposable
{
    /// <summary>
    /// From this size on (a tree's arrays of 1 MB each, beyond a core's cache), the children are
    /// grouped by a bucket sort instead of being placed one by one at scattered addresses. The
    /// radix sort it replaced took about a quarter less time than the placement at 1M nodes and
    /// more at 100k, whose arrays stay in cache; the bucket sort took as long as it on one core.
    /// </summary>
    public const int BucketedNodes = 1 << 18;

    /// <summary>Parents per bucket: a bucket's counts and its share of the children (16 KB each on average) stay in a core's first-level cache.</summary>
    private const int BucketBits = 12;

    /// <summary>
    /// Up to this many nodes (the spec's largest cascade, a million reposts, included), a child and
    /// its parent's place in its bucket share 32 bits, which halves the pairs the sort moves through
    /// memory; larger trees' pairs take 64.
    /// </summary>
    private const int NarrowPairNodes = 1 << (32 - BucketBits);

    private static readonly ParallelOptions TwoCores = new() { MaxDegreeOfParallelism = 2, TaskScheduler = TaskScheduler.Default };

    private readonly int[] _starts;
    private readonly int[] _children;
    private readonly int _nodes;

    private ChildLists(int nodes)
    {
        _nodes = nodes;
        _starts = ArrayPool<int>.Shared.Rent(nodes + 1);
        _children = ArrayPool<int>.Shared.Rent(nodes);
    }

    /// <summary>Where each node's children start in <see cref="Children"/>; entry n is the end of the last node's.</summary>
    public ReadOnlySpan<int> Starts => _starts.AsSpan(0, _nodes + 1);

    /// <summary>The non-root nodes (n − 1 of them), grouped by parent.</summary>
    public ReadOnlySpan<int> Children => _children.AsSpan(0, Math.Max(0, _nodes - 1));

    /// <summary>The child lists, grouped on the calling thread.</summary>
    public static ChildLists Of(ReadOnlySpan<int> parents)
    {
        var lists = new ChildLists(parents.Length);
        if (parents.Length < BucketedNodes)
        {
            lists.PlaceOneByOne(parents);
            return lists;
        }

        if (parents.Length <= NarrowPairNodes)
        {
            SortOnOneCore<NarrowPair>(lists, parents);
        }
        else
        {
            SortOnOneCore<WidePair>(lists, parents);
        }

        return lists;
    }

    /// <summary>
    /// The child lists of a large tree, grouped by the calling thread and one other: each takes half
    /// the nodes to count and scatter into buckets, then half the buckets to sort. The calling thread
    /// does whatever half the other has not begun, so it never waits on a thread that is not working.
    /// </summary>
    public static ChildLists OnBothCores(TreeParents parents)
    {
        var lists = new ChildLists(parents().Length);
        if (parents().Length <= NarrowPairNodes)
        {
            SortOnBothCores<NarrowPair>(lists, parents);
        }
        else
        {
            SortOnBothCores<WidePair>(lists, parents);
        }

        return lists;
    }

    private static void SortOnOneCore<TPair>(ChildLists lists, ReadOnlySpan<int> parents)
        where TPair : unmanaged, IBucketPair<TPair>
    {
        using var sort = new BucketSort<TPair>(lists, parents);
        for (var half = 0; half < 2; half++)
        {
            sort.Count(parents, half);
        }

        sort.PlanBuckets();
        for (var half = 0; half < 2; half++)
        {
            sort.Scatter(parents, half);
        }

        for (var half = 0; half < 2; half++)
        {
            sort.SortBuckets(half);
        }
    }

    private static void SortOnBothCores<TPair>(ChildLists lists, TreeParents parents)
        where TPair : unmanaged, IBucketPair<TPair>
    {
        using var sort = new BucketSort<TPair>(lists, parents());
        Parallel.For(0, 2, TwoCores, half => sort.Count(parents(), half));
        sort.PlanBuckets();
        Parallel.For(0, 2, TwoCores, half => sort.Scatter(parents(), half));
        Parallel.For(0, 2, TwoCores, sort.SortBuckets);
    }

    public void Dispose()
    {
        ArrayPool<int>.Shared.Return(_starts);
        ArrayPool<int>.Shared.Return(_children);
    }

    /// <summary>Turns counts per bucket into each bucket's first position.</summary>
    private static void StartsFromCounts(Span<int> counts)
    {
        var position = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            (counts[i], position) = (position, position + counts[i]);
        }
    }

    /// <summary>For a tree small enough to stay in cache: count the children, then place each.</summary>
    private void PlaceOneByOne(ReadOnlySpan<int> parents)
    {
        var n = _nodes;
        var starts = _starts.AsSpan(0, n + 1);
        starts.Clear();
        foreach (var parent in parents[1..])
        {
            starts[parent]++;
        }

        StartsFromCounts(starts);
        var rented = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var fill = rented.AsSpan(0, n);
            starts[..n].CopyTo(fill);
            var children = _children.AsSpan(0, n);
            for (var node = 1; node < n; node++)
            {
                children[fill[parents[node]]++] = node;
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// A bucket sort of the (child, parent) pairs by parent: scattered first into buckets of
    /// 2^<see cref="BucketBits"/> parents, whose writes go to a few hundred places at a time rather
    /// than to a million, then each bucket grouped by parent within the cache. Both steps keep the
    /// nodes' order, so each parent's children come out in increasing order.
    /// </summary>
    private sealed class BucketSort<TPair> : IDisposable
        where TPair : unmanaged, IBucketPair<TPair>
    {
        private const int LowMask = (1 << BucketBits) - 1;
        private readonly ChildLists _lists;
        private readonly int _nodes;
        private readonly int _firstOfSecondHalf;
        private readonly int _bucketCount;
        private readonly int[] _countsByHalf;
        private readonly int[] _bucketStarts;
        private readonly TPair[] _pairs;
        private int _firstBucketOfSecondHalf;

        public BucketSort(ChildLists lists, ReadOnlySpan<int> parents)
        {
            _lists = lists;
            _nodes = parents.Length;
            _firstOfSecondHalf = 1 + ((_nodes - 1) / 2);
            _bucketCount = BucketOf(_nodes - 1) + 1;
            _countsByHalf = ArrayPool<int>.Shared.Rent(2 * _bucketCount);
            _bucketStarts = ArrayPool<int>.Shared.Rent(_bucketCount + 1);
            _pairs = ArrayPool<TPair>.Shared.Rent(_nodes - 1);
            _countsByHalf.AsSpan(0, 2 * _bucketCount).Clear();
        }

        /// <summary>
        /// The root's children, usually the largest share of a cascade, have bucket 0 to themselves, so
        /// that no bucket's sort counts a third of the tree into one entry; bucket b ≥ 1 holds parents
        /// (b − 1)·2^<see cref="BucketBits"/> + 1 to b·2^<see cref="BucketBits"/>, found without a branch.
        /// </summary>
        private static int BucketOf(int parent) => (parent + LowMask) >> BucketBits;

        private Span<int> CountsOf(int half) => _countsByHalf.AsSpan(half * _bucketCount, _bucketCount);

        private (int From, int To) NodesOf(int half) => half == 0 ? (1, _firstOfSecondHalf) : (_firstOfSecondHalf, _nodes);

        public void Count(ReadOnlySpan<int> parents, int half)
        {
            var counts = CountsOf(half);
            var (from, to) = NodesOf(half);
            foreach (var parent in parents[from..to])
            {
                counts[BucketOf(parent)]++;
            }
        }

        /// <summary>Each bucket's pairs from the first half of the nodes come before those from the second; the counts become where each half writes next.</summary>
        public void PlanBuckets()
        {
            var first = CountsOf(0);
            var second = CountsOf(1);
            var position = 0;
            for (var bucket = 0; bucket < _bucketCount; bucket++)
            {
                _bucketStarts[bucket] = position;
                (first[bucket], position) = (position, position + first[bucket]);
                (second[bucket], position) = (position, position + second[bucket]);
            }

            _bucketStarts[_bucketCount] = position;
            _lists._starts[_nodes] = position;
            var bucketOfMiddle = 0;
            while (bucketOfMiddle < _bucketCount && _bucketStarts[bucketOfMiddle] < position / 2)
            {
                bucketOfMiddle++;
            }

            _firstBucketOfSecondHalf = bucketOfMiddle;
        }

        public void Scatter(ReadOnlySpan<int> parents, int half)
        {
            var next = CountsOf(half);
            var pairs = _pairs.AsSpan(0, _nodes - 1);
            var (from, to) = NodesOf(half);
            for (var node = from; node < to; node++)
            {
                var parent = parents[node];
                pairs[next[BucketOf(parent)]++] = TPair.Of(node, (parent - 1) & LowMask);
            }
        }

        /// <summary>Groups the pairs of half the buckets by parent, writing those parents' starts and children.</summary>
        public void SortBuckets(int half)
        {
            Span<int> next = stackalloc int[1 << BucketBits];
            var (fromBucket, toBucket) = half == 0 ? (0, _firstBucketOfSecondHalf) : (_firstBucketOfSecondHalf, _bucketCount);
            var children = _lists._children.AsSpan(0, _nodes - 1);
            for (var bucket = fromBucket; bucket < toBucket; bucket++)
            {
                var pairs = _pairs.AsSpan(_bucketStarts[bucket], _bucketStarts[bucket + 1] - _bucketStarts[bucket]);
                var position = _bucketStarts[bucket];
                if (bucket == 0)
                {
                    // The root's children alone, already in node order.
                    _lists._starts[0] = position;
                    foreach (var pair in pairs)
                    {
                        children[position++] = pair.Node;
                    }

                    continue;
                }

                var firstParent = ((bucket - 1) << BucketBits) + 1;
                var starts = _lists._starts.AsSpan(firstParent, Math.Min(1 << BucketBits, _nodes - firstParent));
                starts.Clear();
                foreach (var pair in pairs)
                {
                    starts[pair.PlaceInBucket]++;
                }

                for (var i = 0; i < starts.Length; i++)
                {
                    (starts[i], next[i], position) = (position, position, position + starts[i]);
                }

                foreach (var pair in pairs)
                {
                    children[next[pair.PlaceInBucket]++] = pair.Node;
                }
            }
        }

        public void Dispose()
        {
            ArrayPool<int>.Shared.Return(_countsByHalf);
            ArrayPool<int>.Shared.Return(_bucketStarts);
            ArrayPool<TPair>.Shared.Return(_pairs);
        }
    }

    /// <summary>A child and its parent's place within the parent's bucket, as the bucket sort moves them.</summary>
    private interface IBucketPair<TPair>
        where TPair : unmanaged
    {
        int Node { get; }

        int PlaceInBucket { get; }

        static abstract TPair Of(int node, int placeInBucket);
    }

    /// <summary>For trees of at most <see cref="NarrowPairNodes"/> nodes: the node in the high 20 bits.</summary>
    private readonly record struct NarrowPair(uint Bits) : IBucketPair<NarrowPair>
    {
        public int Node => (int)(Bits >> BucketBits);

        public int PlaceInBucket => (int)(Bits & ((1u << BucketBits) - 1));

        public static NarrowPair Of(int node, int placeInBucket) => new(((uint)node << BucketBits) | (uint)placeInBucket);
    }

    private readonly record struct WidePair(ulong Bits) : IBucketPair<WidePair>
    {
        public int Node => (int)(Bits >> 32);

        public int PlaceInBucket => (int)(uint)Bits;

        public static WidePair Of(int node, int placeInBucket) => new(((ulong)(uint)node << 32) | (uint)placeInBucket);
    }
}
