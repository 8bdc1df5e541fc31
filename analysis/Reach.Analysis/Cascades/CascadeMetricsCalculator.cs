using System.Buffers;
using System.Runtime.Intrinsics;
using Reach.Analysis.Audience;

namespace Reach.Analysis.Cascades;

/// <summary>
/// Computes <see cref="CascadeMetrics"/> in O(n): a forward pass for depths, a backward pass for
/// subtree sizes (the Wiener index as Σ s(v)·(n − s(v))), and selection rather than sorting for
/// the time ranks.
/// </summary>
public static class CascadeMetricsCalculator
{
    public static readonly int[] RepostRanks = [1, 10, 100, 1000];
    private const long TicksPerHour = TimeSpan.TicksPerHour;

    /// <summary>From this size on, the shape is computed in parallel with the rest; below it both take well under a millisecond.</summary>
    private const int ParallelShapeNodes = 100_000;

    /// <param name="graph">The cascade; its root must be known.</param>
    /// <param name="followersByAccount">f(u) per account index of <see cref="CascadeGraph.Accounts"/>; negative or missing means unknown.</param>
    /// <param name="audience">The attributed tree and reach; without it the tree is the named parents and reach is left out.</param>
    public static CascadeMetrics Compute(CascadeGraph graph, ReadOnlySpan<long> followersByAccount = default, CascadeAudience? audience = null)
    {
        if (!graph.RootKnown)
        {
            throw new InvalidOperationException("The root post of this cascade has not arrived.");
        }

        var n = graph.NodeCount;
        if (audience is not null && audience.Parents.Length != n)
        {
            throw new ArgumentException("The audience analysis is of another version of this cascade.", nameof(audience));
        }

        // The shape does not depend on how nodes are numbered. Numbered (nearly) parents first, the
        // usual case with reposts stored as they arrive, its two passes are independent: depths
        // front to back, subtree sizes back to front, each correcting for the few nodes stored
        // before their parent. Otherwise it is computed in breadth-first order, whose passes then
        // read and write their arrays front to back instead of at random.
        // A large cascade's subtree pass, or its breadth-first walk and subtree pass, run on
        // another core while this one goes through the times and the accounts.
        ReadOnlySpan<int> Parents() => audience is null ? graph.Parents : audience.Parents;
        var mostlyParentsFirst = LateNodeCount(Parents()) <= n / MaxLateNodeShare;
        Branches? BranchesInPlace() => Branching(Parents());
        var parallel = n >= ParallelShapeNodes;

        // A tree out of order and too large for the cache groups its child lists on both cores first
        // (that sort is most of its shape's cost); the walks over them then go to the other core.
        using var largeTreeLists = parallel && !mostlyParentsFirst && n >= ChildLists.BucketedNodes ? ChildLists.OnBothCores(Parents) : null;
        TreeShape ShapeInBreadthFirstOrder()
        {
            if (largeTreeLists is not null)
            {
                return BreadthFirstShape(largeTreeLists);
            }

            using var lists = ChildLists.Of(Parents());
            return BreadthFirstShape(lists);
        }

        var branchesElsewhere = parallel && mostlyParentsFirst ? Task.Run(BranchesInPlace) : null;
        var shapeElsewhere = parallel && !mostlyParentsFirst ? Task.Run(ShapeInBreadthFirstOrder) : null;
        try
        {
            var rootAt = graph.Times[0];
            var repostTimes = graph.Times[1..];
            var (latest, ranked, halfLife, velocity) = TimeRanks(repostTimes, rootAt);
            var explicitEdges = graph.ExplicitEdgeCount;
            var rootEdges = n - 1 - explicitEdges;
            var (participants, exposure, unknownAudience) = Audience(graph, followersByAccount);
            var authorAudience = FollowersOf(graph.AccountOf[0], followersByAccount);
            var knownExposure = unknownAudience == n ? (long?)null : exposure;
            var reach = audience?.Reach is { } r && (r.AccountsWithKnownFollowers > 0 || r.IsUpperBound) ? r : null;

            TreeShape structure;
            if (mostlyParentsFirst)
            {
                var levels = Levels(Parents());
                var branches = branchesElsewhere is null ? BranchesInPlace() : branchesElsewhere.GetAwaiter().GetResult();
                structure = levels is { } l && branches is { } b
                    ? new TreeShape(l.Depth, l.MaxBreadth, b.WienerIndex, b.MaxChildren, b.NodesWithChildren)
                    : ShapeInBreadthFirstOrder();
            }
            else
            {
                structure = shapeElsewhere is null ? ShapeInBreadthFirstOrder() : shapeElsewhere.GetAwaiter().GetResult();
            }

            return new CascadeMetrics
            {
                PostId = graph.RootPostId,
                AuthorId = graph.RootAccountId!,
                PostedAt = new DateTimeOffset(rootAt, TimeSpan.Zero),
                Size = n,
                Reposts = n - 1,
                Participants = participants,
                Depth = structure.Depth,
                MaxBreadth = structure.MaxBreadth,
                StructuralVirality = n > 1 ? (double)(2 * structure.WienerIndex) / ((double)n * (n - 1)) : null,
                LargestBroadcastShare = n > 1 ? (double)structure.MaxChildren / (n - 1) : null,
                MeanOffspring = n > 1 ? (double)(n - 1) / structure.NodesWithChildren : null,
                Likes = graph.LikeCount,
                Replies = graph.ReplyCount,
                Quotes = graph.QuoteCount,
                TimeToReposts = ranked,
                HalfLifeSeconds = halfLife,
                VelocityPerHour = velocity,
                AuthorAudience = authorAudience,
                Exposure = knownExposure,
                NodesWithUnknownAudience = unknownAudience,
                Impressions = graph.Impressions,
                Reach = reach?.Reach,
                ReachMethod = reach?.Method,
                ReachRelativeError = reach?.RelativeError,
                ReachIsUpperBound = reach?.IsUpperBound ?? false,
                EarnedReach = reach?.EarnedReach,
                Multiplier = reach?.Multiplier,
                EarnedShare = reach?.EarnedShare,
                StrangerShare = reach?.StrangerShare,
                Strangers = reach?.Strangers,
                DecidedReposters = reach?.DecidedReposters,
                Frequency = reach is { Reach: > 0 } && knownExposure is { } e ? (double)e / reach.Reach : null,
                Attribution = audience?.AttributionCounts() ?? new AttributionCounts(explicitEdges, 0, rootEdges),
                UnresolvedParents = graph.UnresolvedCount,
                LatestAt = new DateTimeOffset(latest, TimeSpan.Zero),
            };
        }
        finally
        {
            // When this half failed, the other core's half is still awaited, so that no work of a
            // failed call outlives it; its own failure is then already reported by this one.
            try
            {
                (branchesElsewhere ?? (Task?)shapeElsewhere)?.Wait();
            }
            catch (AggregateException)
            {
            }
        }
    }

    /// <summary>Tree shape: depth, widest level, Wiener index, largest fan-out and branching nodes.</summary>
    public readonly record struct TreeShape(int Depth, int MaxBreadth, Int128 WienerIndex, int MaxChildren, int NodesWithChildren);

    /// <summary>Depth and widest level of a tree.</summary>
    private readonly record struct TreeLevels(int Depth, int MaxBreadth);

    /// <summary>Wiener index, largest fan-out and the number of nodes with children of a tree.</summary>
    private readonly record struct Branches(Int128 WienerIndex, int MaxChildren, int NodesWithChildren);

    /// <summary>
    /// Up to one node in this many may be stored before its parent (a repost that arrived before
    /// the post it names) for the shape to be computed in place, correcting for each such node
    /// along its ancestors; more go through the breadth-first walk.
    /// </summary>
    private const int MaxLateNodeShare = 64;

    /// <summary>
    /// From this many reposts on (4 MB of times), unsorted times are gone through in one pass. Below,
    /// the plain way's passes over times mostly in the cache cost less than the one pass's sample and
    /// brackets: a call with late parents took 0.7 ms longer at 100,000 reposts and about 0.3 ms at
    /// 300,000, and 1.3 ms less at 1,000,000 (calls alternated with the plain way).
    /// </summary>
    private const int OnePassTimes = 1 << 19;

    /// <summary>Levels counted in a fixed table while the depths are walked; deeper trees are counted again once their depth is known.</summary>
    private const int ShallowLevels = 256;

    /// <summary>Longer child lists are appended to the breadth-first order as one block copy; most nodes have none or a few, which a plain loop copies sooner.</summary>
    private const int ShortChildList = 16;

    /// <summary>
    /// Fills <paramref name="order"/> with the nodes, parents before children. When every parent
    /// index is smaller than its child's (the usual case: nodes stored in arrival order with parents
    /// first), that is the identity, and the answer is true; otherwise a breadth-first order from the root.
    /// </summary>
    public static bool TopologicalOrder(ReadOnlySpan<int> parents, Span<int> order)
    {
        if (LateNodeCount(parents) > 0)
        {
            var firstChild = ArrayPool<int>.Shared.Rent(parents.Length + 1);
            try
            {
                using var lists = ChildLists.Of(parents);
                BreadthFirstOrder(lists, order, firstChild.AsSpan(0, parents.Length + 1));
            }
            finally
            {
                ArrayPool<int>.Shared.Return(firstChild);
            }

            return false;
        }

        for (var i = 0; i < parents.Length; i++)
        {
            order[i] = i;
        }

        return true;
    }

    /// <summary>How many nodes are stored before their parent.</summary>
    private static int LateNodeCount(ReadOnlySpan<int> parents)
    {
        var late = 0;
        var i = 1;
        if (Vector256.IsHardwareAccelerated && parents.Length >= 1 + Vector256<int>.Count)
        {
            var index = Vector256.Create(1, 2, 3, 4, 5, 6, 7, 8);
            var step = Vector256.Create(Vector256<int>.Count);
            for (; i <= parents.Length - Vector256<int>.Count; i += Vector256<int>.Count)
            {
                var lateLanes = Vector256.GreaterThanOrEqual(Vector256.Create(parents.Slice(i, Vector256<int>.Count)), index);
                late += System.Numerics.BitOperations.PopCount(lateLanes.ExtractMostSignificantBits());
                index += step;
            }
        }

        for (; i < parents.Length; i++)
        {
            late += parents[i] >= i ? 1 : 0;
        }

        return late;
    }

    /// <summary>
    /// Depth and widest level of a tree numbered mostly parents first: one pass, front to back. A
    /// node stored before its parent gets its depth by climbing from that parent to the first
    /// ancestor already passed. Null when those climbs would take longer than the breadth-first walk.
    /// </summary>
    private static TreeLevels? Levels(ReadOnlySpan<int> parents)
    {
        var n = parents.Length;
        var rented = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var depth = rented.AsSpan(0, n);
            Span<int> shallow = stackalloc int[ShallowLevels];
            shallow.Clear();
            depth[0] = 0;
            shallow[0] = 1;
            var maxDepth = 0;
            var climbed = 0L;
            for (var node = 1; node < n; node++)
            {
                var parent = parents[node];
                int d;
                if (parent < node)
                {
                    d = depth[parent] + 1;
                }
                else
                {
                    var ancestor = parent;
                    var steps = 1;
                    while (ancestor > node)
                    {
                        if (++climbed > n)
                        {
                            return null;
                        }

                        (ancestor, steps) = (parents[ancestor], steps + 1);
                    }

                    d = ancestor == node ? throw NotATree() : depth[ancestor] + steps;
                }

                depth[node] = d;
                maxDepth = Math.Max(maxDepth, d);
                shallow[Math.Min(d, ShallowLevels - 1)]++;
            }

            return new TreeLevels(maxDepth, maxDepth < ShallowLevels ? Widest(shallow) : WidestLevel(depth, maxDepth));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static int WidestLevel(ReadOnlySpan<int> depth, int maxDepth)
    {
        var rented = ArrayPool<int>.Shared.Rent(maxDepth + 1);
        try
        {
            var counts = rented.AsSpan(0, maxDepth + 1);
            counts.Clear();
            foreach (var d in depth)
            {
                counts[d]++;
            }

            return Widest(counts);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static int Widest(ReadOnlySpan<int> counts)
    {
        var widest = 0;
        foreach (var count in counts)
        {
            widest = Math.Max(widest, count);
        }

        return widest;
    }

    /// <summary>
    /// Σ over non-root v of s(v)·(n − s(v)) with the subtree sizes s summed children before
    /// parents, and the fan-out, for a tree numbered mostly parents first: one pass, back to front.
    /// Each node's subtree size and child count share one word, so that a child touches its parent
    /// once. Terms are summed in 64 bits in runs short enough not to overflow, then carried into 128.
    /// A node stored before its parent reaches it after the parent has been passed: its size is
    /// then added to each of its ancestors, correcting their terms. Null when that would take
    /// longer than the breadth-first walk.
    /// </summary>
    private static Branches? Branching(ReadOnlySpan<int> parents)
    {
        const int PrefetchDistance = 32;
        const long OneChild = 1L << 32;
        var n = parents.Length;
        var rented = ArrayPool<long>.Shared.Rent(n);
        List<(int Node, int Size)>? late = null;
        try
        {
            // Low half: subtree size (at most n < 2³¹, so it never carries into the high half); high half: children.
            var sizeAndChildren = rented.AsSpan(0, n);
            sizeAndChildren.Fill(1);
            var run = WienerTermsPerRun(n);
            Int128 wiener = 0;
            var i = n - 1;
            while (i >= 1)
            {
                var stop = Math.Max(0, i - run);
                ulong partial = 0;
                for (; i > stop; i--)
                {
                    // Parents' entries lie anywhere in an array of megabytes: loading the one needed
                    // 32 nodes on overlaps the cache misses (a third less time at 1M nodes).
                    if (i > PrefetchDistance)
                    {
                        CacheHint.Prefetch(in sizeAndChildren[parents[i - PrefetchDistance]]);
                    }

                    var size = (int)sizeAndChildren[i];
                    partial += (ulong)size * (ulong)(n - size);
                    var parent = parents[i];
                    if (parent < i)
                    {
                        sizeAndChildren[parent] += OneChild + size;
                    }
                    else
                    {
                        sizeAndChildren[parent] += OneChild;
                        (late ??= []).Add((i, size));
                    }
                }

                wiener += partial;
            }

            // Each late node's size so far is that of its part of the tree below it that the pass
            // reached in order; every ancestor is short of exactly those parts of the late nodes below it.
            var walked = 0L;
            foreach (var (node, size) in late ?? [])
            {
                for (var ancestor = parents[node]; ancestor > 0; ancestor = parents[ancestor])
                {
                    if (++walked > n)
                    {
                        return null;
                    }

                    var before = (int)sizeAndChildren[ancestor];
                    sizeAndChildren[ancestor] += size;
                    wiener += ((Int128)(ulong)(before + size) * (ulong)(n - before - size)) - ((Int128)(ulong)before * (ulong)(n - before));
                }
            }

            var maxChildren = 0;
            var withChildren = 0;
            foreach (var word in sizeAndChildren)
            {
                var children = (int)(word >> 32);
                maxChildren = Math.Max(maxChildren, children);
                withChildren += children > 0 ? 1 : 0;
            }

            return new Branches(wiener, maxChildren, withChildren);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(rented);
        }
    }

    /// <summary>The shape of any tree rooted at node 0, computed in breadth-first order.</summary>
    private static TreeShape BreadthFirstShape(ChildLists lists)
    {
        var n = lists.Starts.Length - 1;
        var order = ArrayPool<int>.Shared.Rent(n);
        var firstChild = ArrayPool<int>.Shared.Rent(n + 1);
        try
        {
            var levels = BreadthFirstOrder(lists, order.AsSpan(0, n), firstChild.AsSpan(0, n + 1));
            var branches = BreadthFirstBranching(firstChild.AsSpan(0, n + 1));
            return new TreeShape(levels.Depth, levels.MaxBreadth, branches.WienerIndex, branches.MaxChildren, branches.NodesWithChildren);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(order);
            ArrayPool<int>.Shared.Return(firstChild);
        }
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the nodes in breadth-first order from the root and
    /// <paramref name="firstChild"/> (n + 1 entries) with where in that order the children of the
    /// node at each position begin (they end where the next position's begin), and returns its
    /// depth and widest level, which that order visits one after the other.
    /// </summary>
    private static TreeLevels BreadthFirstOrder(ChildLists lists, Span<int> order, Span<int> firstChild)
    {
        var n = order.Length;
        var starts = lists.Starts;
        var children = lists.Children;
        order[0] = 0;
        var tail = 1;
        var (depth, widest, levelEnd) = (0, 1, 1);
        for (var head = 0; head < tail; head++)
        {
            if (head == levelEnd)
            {
                (depth, widest, levelEnd) = (depth + 1, Math.Max(widest, tail - head), tail);
            }

            firstChild[head] = tail;
            var node = order[head];
            var first = starts[node];
            var count = starts[node + 1] - first;
            if (count > ShortChildList)
            {
                children.Slice(first, count).CopyTo(order[tail..]);
                tail += count;
            }
            else
            {
                for (var c = first; c < first + count; c++)
                {
                    order[tail++] = children[c];
                }
            }
        }

        if (tail != n)
        {
            throw NotATree();
        }

        firstChild[n] = n;
        return new TreeLevels(depth, widest);
    }

    /// <summary>
    /// <see cref="Branching"/> of a tree in breadth-first order, where each node's children are a run
    /// of later positions: back to front, the running total of subtree sizes from each position to
    /// the end gives a node's subtree size as one plus the difference of that total at the two ends
    /// of its children's run, so that no node writes into another's entry. The totals are kept modulo
    /// 2³²: differences of at most n − 1 &lt; 2³¹ come out exact.
    /// </summary>
    private static Branches BreadthFirstBranching(ReadOnlySpan<int> firstChild)
    {
        var n = firstChild.Length - 1;
        var rented = ArrayPool<uint>.Shared.Rent(n + 1);
        try
        {
            var sizesFrom = rented.AsSpan(0, n + 1);
            sizesFrom[n] = 0;
            var run = WienerTermsPerRun(n);
            Int128 wiener = 0;
            var (maxChildren, withChildren) = (0, 0);
            uint total = 0;
            var position = n - 1;
            while (position >= 0)
            {
                var stop = Math.Max(-1, position - run);
                ulong partial = 0;
                for (; position > stop; position--)
                {
                    var (first, end) = (firstChild[position], firstChild[position + 1]);
                    var size = 1 + sizesFrom[first] - sizesFrom[end];
                    total += size;
                    sizesFrom[position] = total;
                    partial += (ulong)size * (ulong)(n - (int)size);
                    var children = end - first;
                    maxChildren = Math.Max(maxChildren, children);
                    withChildren += children > 0 ? 1 : 0;
                }

                wiener += partial;
            }

            // The root's term, n · (n − n), is zero: summing it with the rest changes nothing.
            return new Branches(wiener, maxChildren, withChildren);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(rented);
        }
    }

    /// <summary>How many Wiener terms s·(n − s), each at most ⌊n/2⌋·⌈n/2⌉, a 64-bit sum holds before it is carried into 128 bits.</summary>
    private static int WienerTermsPerRun(int n)
    {
        var largestTerm = (ulong)n / 2 * (ulong)(n - (n / 2));
        return (int)Math.Min(int.MaxValue, ulong.MaxValue / Math.Max(largestTerm, 1));
    }

    private static InvalidOperationException NotATree() => new("The cascade is not a tree rooted at node 0.");

    /// <summary>How many of <paramref name="times"/>, which are in order, are later than <paramref name="after"/>: found by halving.</summary>
    private static int RepostsAfter(ReadOnlySpan<long> times, long after)
    {
        var (low, high) = (0, times.Length);
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            (low, high) = times[mid] > after ? (low, mid) : (mid + 1, high);
        }

        return times.Length - low;
    }

    /// <summary>
    /// Seconds to the k-th repost (k in <see cref="RepostRanks"/>) and to the ⌈(n−1)/2⌉-th, and the
    /// reposts of the last hour up to the latest time (the one exactly an hour before it left out).
    /// </summary>
    /// <remarks>
    /// Times already in order (the usual case: reposts stored as they arrive) are read directly;
    /// others are selected, counting the last hour's in the same pass. Many times are gone through
    /// once for all of it (<see cref="Selection.SelectRanksInOnePass"/>) unless that pass cannot
    /// settle the ranks.
    /// </remarks>
    private static (long Latest, IReadOnlyDictionary<string, double?> Ranked, double? HalfLife, int LastHour) TimeRanks(ReadOnlySpan<long> times, long rootAt)
    {
        var reposts = times.Length;
        var halfRank = (reposts + 1) / 2;
        var ranks = new List<int>(RepostRanks.Length + 1);
        foreach (var k in RepostRanks)
        {
            if (k <= reposts)
            {
                ranks.Add(k);
            }
        }

        if (reposts > 0 && !ranks.Contains(halfRank))
        {
            ranks.Add(halfRank);
        }

        ranks.Sort();
        var wanted = new int[ranks.Count];
        for (var i = 0; i < wanted.Length; i++)
        {
            wanted[i] = ranks[i] - 1;
        }

        long[] selected;
        int lastHour;
        if (Selection.InOrder(times))
        {
            // Read directly: the ranks are positions, and the last hour's reposts the last ones.
            var latestInOrder = times.IsEmpty ? rootAt : Math.Max(rootAt, times[^1]);
            selected = new long[wanted.Length];
            for (var i = 0; i < wanted.Length; i++)
            {
                selected[i] = times[wanted[i]];
            }

            lastHour = RepostsAfter(times, latestInOrder - TicksPerHour);
            return Ranked(latestInOrder, selected, lastHour);
        }

        var scratch = ArrayPool<long>.Shared.Rent(times.Length);
        try
        {
            long[]? settled = null;
            long earliest, latest;
            if (times.Length >= OnePassTimes)
            {
                var pass = Selection.SelectRanksInOnePass(times, wanted, scratch, rootAt, TicksPerHour);
                (earliest, latest) = (pass.Min, Math.Max(rootAt, pass.Max));
                (settled, lastHour) = (pass.AtRanks, pass.NearTop ?? 0);
            }
            else
            {
                (earliest, latest) = Selection.Range(times);
                latest = Math.Max(rootAt, latest);
                lastHour = 0;
            }

            selected = settled ?? Selection.SelectRanks(times, wanted, scratch, earliest, latest, latest - TicksPerHour, out lastHour);
            return Ranked(latest, selected, lastHour);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(scratch);
        }

        (long, IReadOnlyDictionary<string, double?>, double?, int) Ranked(long latest, long[] selected, int lastHour)
        {
            var values = new Dictionary<int, long>();
            for (var i = 0; i < wanted.Length; i++)
            {
                values[wanted[i] + 1] = selected[i];
            }

            double Seconds(long t) => (t - rootAt) / (double)TimeSpan.TicksPerSecond;
            var ranked = new Dictionary<string, double?>(RepostRanks.Length);
            foreach (var k in RepostRanks)
            {
                ranked[k.ToString()] = values.TryGetValue(k, out var t) ? Seconds(t) : null;
            }

            return (latest, ranked, reposts > 0 ? Seconds(values[halfRank]) : null, lastHour);
        }
    }

    /// <summary>
    /// Distinct accounts, the sum of f(u) over nodes and the nodes whose f(u) is unknown. Every account
    /// of the graph's table is some node's (accounts are only added with the node that names them),
    /// so the distinct accounts are the table's size.
    /// </summary>
    private static (int Participants, long Exposure, int UnknownAudience) Audience(CascadeGraph graph, ReadOnlySpan<long> followersByAccount)
    {
        long exposure = 0;
        var unknown = 0;
        foreach (var account in graph.AccountOf)
        {
            var followers = FollowersOrNegative(account, followersByAccount);
            exposure += Math.Max(followers, 0);
            unknown += followers < 0 ? 1 : 0;
        }

        return (graph.Accounts.Count, exposure, unknown);
    }

    private static long? FollowersOf(int account, ReadOnlySpan<long> followersByAccount) =>
        FollowersOrNegative(account, followersByAccount) is var followers and >= 0 ? followers : null;

    /// <summary>f(u), or a negative number when it is unknown.</summary>
    private static long FollowersOrNegative(int account, ReadOnlySpan<long> followersByAccount) =>
        (uint)account < (uint)followersByAccount.Length ? followersByAccount[account] : -1;
}

/// <summary>Quickselect (Hoare partition, median of three): the k-th smallest in expected O(n).</summary>
public static partial class Selection
{
    private const int MaxHistogramBits = 16;
    private const int SmallInput = 32_768;

    /// <summary>
    /// The values at several ranks (0-based, ascending) of <paramref name="values"/>, which is left
    /// untouched: one pass for the range, one counting the values into buckets by their high bits
    /// (about one bucket per 16 values, at most 65,536), one gathering the few buckets that hold the
    /// wanted ranks into <paramref name="scratch"/>, then a quickselect within each — a small part
    /// of the values unless they crowd into one bucket.
    /// </summary>
    public static long[] SelectRanks(ReadOnlySpan<long> values, ReadOnlySpan<int> ranks, Span<long> scratch)
    {
        var (min, max) = values.Length > SmallInput ? Range(values) : (long.MaxValue, long.MinValue);
        return SelectRanks(values, ranks, scratch, min, max, long.MaxValue, out _);
    }

    /// <summary>The smallest and largest of <paramref name="values"/> (at least one), four at a time.</summary>
    public static (long Min, long Max) Range(ReadOnlySpan<long> values)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        var (min, max) = (values[0], values[0]);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<long>.Count)
        {
            var low = Vector256.Create(min);
            var high = Vector256.Create(max);
            for (; i <= values.Length - Vector256<long>.Count; i += Vector256<long>.Count)
            {
                var current = Vector256.Create(values.Slice(i, Vector256<long>.Count));
                low = Vector256.Min(low, current);
                high = Vector256.Max(high, current);
            }

            for (var lane = 0; lane < Vector256<long>.Count; lane++)
            {
                min = Math.Min(min, low[lane]);
                max = Math.Max(max, high[lane]);
            }
        }

        for (; i < values.Length; i++)
        {
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }

        return (min, max);
    }

    /// <summary>Whether no value is smaller than the one before it: four at a time against the same shifted by one, stopping at the first that is.</summary>
    public static bool InOrder(ReadOnlySpan<long> values)
    {
        var i = 1;
        if (Vector256.IsHardwareAccelerated && values.Length > Vector256<long>.Count)
        {
            for (; i <= values.Length - Vector256<long>.Count; i += Vector256<long>.Count)
            {
                var current = Vector256.Create(values.Slice(i, Vector256<long>.Count));
                if (Vector256.LessThanAny(current, Vector256.Create(values.Slice(i - 1, Vector256<long>.Count))))
                {
                    return false;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (values[i] < values[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// As <see cref="SelectRanks(ReadOnlySpan{long}, ReadOnlySpan{int}, Span{long})"/>, with bounds of
    /// the values already known (every value in [<paramref name="min"/>, <paramref name="max"/>]), and
    /// how many of the values are greater than <paramref name="threshold"/>, counted in one of the
    /// passes the selection makes anyway.
    /// </summary>
    public static long[] SelectRanks(ReadOnlySpan<long> values, ReadOnlySpan<int> ranks, Span<long> scratch, long min, long max, long threshold, out int aboveThreshold)
    {
        var results = new long[ranks.Length];
        aboveThreshold = 0;
        if (ranks.IsEmpty || values.Length <= SmallInput)
        {
            foreach (var v in values)
            {
                aboveThreshold += v > threshold ? 1 : 0;
            }
        }

        if (ranks.IsEmpty)
        {
            return results;
        }

        if (values.Length <= SmallInput)
        {
            // Counting buckets costs more than it saves here: quickselect a copy, the largest rank
            // first, so that each smaller rank lies in the part left of it.
            var copy = scratch[..values.Length];
            values.CopyTo(copy);
            var limit = copy.Length;
            for (var i = ranks.Length - 1; i >= 0; i--)
            {
                results[i] = Select(copy[..limit], ranks[i]);
                limit = ranks[i] + 1;
            }

            return results;
        }

        var range = unchecked((ulong)max - (ulong)min);
        var bits = Math.Clamp(System.Numerics.BitOperations.Log2((uint)values.Length) - 4, 1, MaxHistogramBits);
        var shift = Math.Max(0, 64 - System.Numerics.BitOperations.LeadingZeroCount(range) - bits);
        var buckets = (int)(range >> shift) + 1;
        var countsArray = ArrayPool<int>.Shared.Rent(buckets);
        var slotArray = ArrayPool<int>.Shared.Rent(buckets);
        try
        {
            var counts = countsArray.AsSpan(0, buckets);
            counts.Clear();
            var above = 0;
            foreach (var v in values)
            {
                counts[(int)(unchecked((ulong)v - (ulong)min) >> shift)]++;
                above += v > threshold ? 1 : 0;
            }

            aboveThreshold = above;

            // Which bucket holds each wanted rank, and where that bucket's values will sit in scratch.
            var slot = slotArray.AsSpan(0, buckets);
            slot.Fill(-1);
            Span<int> bucketOf = stackalloc int[ranks.Length];
            Span<int> rankIn = stackalloc int[ranks.Length];
            var starts = new List<int>();
            var (below, r, gathered) = (0, 0, 0);
            for (var b = 0; b < buckets && r < ranks.Length; b++)
            {
                while (r < ranks.Length && ranks[r] < below + counts[b])
                {
                    if (slot[b] < 0)
                    {
                        slot[b] = starts.Count;
                        starts.Add(gathered);
                        gathered += counts[b];
                    }

                    (bucketOf[r], rankIn[r]) = (b, ranks[r] - below);
                    r++;
                }

                below += counts[b];
            }

            if (r < ranks.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ranks), "A rank is beyond the values.");
            }

            var fill = starts.ToArray();
            foreach (var v in values)
            {
                var target = slot[(int)(unchecked((ulong)v - (ulong)min) >> shift)];
                if (target >= 0)
                {
                    scratch[fill[target]++] = v;
                }
            }

            for (var i = 0; i < ranks.Length; i++)
            {
                var first = starts[slot[bucketOf[i]]];
                results[i] = Select(scratch[first..(first + counts[bucketOf[i]])], rankIn[i]);
            }

            return results;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(countsArray);
            ArrayPool<int>.Shared.Return(slotArray);
        }
    }

    public static long Select(Span<long> values, int k)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)k, (uint)values.Length, nameof(k));
        var left = 0;
        var right = values.Length - 1;
        while (right > left)
        {
            if (right - left < 16)
            {
                values[left..(right + 1)].Sort();
                return values[k];
            }

            var mid = left + ((right - left) / 2);
            var pivot = MedianOfThree(values[left], values[mid], values[right]);
            var i = left;
            var j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return values[k];
            }
        }

        return values[k];
    }

    private static long MedianOfThree(long a, long b, long c) =>
        a < b ? (b < c ? b : Math.Max(a, c)) : (a < c ? a : Math.Max(b, c));
}
