using System.Buffers;
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

        var order = ArrayPool<int>.Shared.Rent(n);
        var breadthFirstParents = ArrayPool<int>.Shared.Rent(n);
        var depth = ArrayPool<int>.Shared.Rent(n);
        var subtree = ArrayPool<int>.Shared.Rent(n);
        var childCount = ArrayPool<int>.Shared.Rent(n);
        var times = ArrayPool<long>.Shared.Rent(Math.Max(n - 1, 1));

        // The shape does not depend on how nodes are numbered: when they are not stored parents
        // first, it is computed on the tree renumbered in breadth-first order, whose passes read
        // and write their arrays front to back instead of at random.
        TreeShape Shape()
        {
            var parents = audience is null ? graph.Parents : audience.Parents;
            var parentsFirst = IsParentsFirst(parents)
                ? parents
                : BreadthFirstOrder(parents, order.AsSpan(0, n), breadthFirstParents.AsSpan(0, n));
            return Structure(parentsFirst, depth.AsSpan(0, n), subtree.AsSpan(0, n), childCount.AsSpan(0, n));
        }

        // A large cascade's shape is computed on another core while this one goes through the
        // times and the accounts: the two halves share nothing but the graph they read.
        var shapeElsewhere = n >= ParallelShapeNodes ? Task.Run(Shape) : null;
        try
        {
            var rootAt = graph.Times[0];
            var repostTimes = graph.Times[1..];
            var latest = rootAt;
            var sorted = true;
            for (var i = 0; i < repostTimes.Length; i++)
            {
                var t = repostTimes[i];
                sorted &= t >= latest;
                latest = Math.Max(latest, t);
            }

            var (ranked, halfLife) = TimeRanks(repostTimes, sorted, times.AsSpan(0, n - 1), rootAt);

            var velocity = 0;
            var hourAgo = latest - TicksPerHour;
            foreach (var t in repostTimes)
            {
                velocity += t > hourAgo ? 1 : 0;
            }

            var (explicitEdges, rootEdges, quotes) = EdgeKinds(graph);
            var (participants, exposure, unknownAudience) = Audience(graph, followersByAccount);
            var authorAudience = FollowersOf(graph.AccountOf[0], followersByAccount);
            var knownExposure = unknownAudience == n ? (long?)null : exposure;
            var reach = audience?.Reach is { } r && (r.AccountsWithKnownFollowers > 0 || r.IsUpperBound) ? r : null;
            var structure = shapeElsewhere is null ? Shape() : shapeElsewhere.GetAwaiter().GetResult();

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
                Quotes = quotes,
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
            // The arrays go back to the pool only once nothing writes to them any more. (Waiting runs
            // the shape on this thread when no other has started it; its failure, when this half
            // failed too, is already reported by that one.)
            try
            {
                shapeElsewhere?.Wait();
            }
            catch (AggregateException)
            {
            }

            ArrayPool<int>.Shared.Return(order);
            ArrayPool<int>.Shared.Return(breadthFirstParents);
            ArrayPool<int>.Shared.Return(depth);
            ArrayPool<int>.Shared.Return(subtree);
            ArrayPool<int>.Shared.Return(childCount);
            ArrayPool<long>.Shared.Return(times);
        }
    }

    /// <summary>Tree shape: depth, widest level, Wiener index, largest fan-out and branching nodes.</summary>
    public readonly record struct TreeShape(int Depth, int MaxBreadth, Int128 WienerIndex, int MaxChildren, int NodesWithChildren);

    /// <summary>
    /// Fills <paramref name="order"/> with the nodes, parents before children. When every parent
    /// index is smaller than its child's (the usual case: nodes stored in arrival order with parents
    /// first), that is the identity, and the answer is true; otherwise a breadth-first order from the root.
    /// </summary>
    public static bool TopologicalOrder(ReadOnlySpan<int> parents, Span<int> order)
    {
        if (!IsParentsFirst(parents))
        {
            BreadthFirstOrder(parents, order, []);
            return false;
        }

        for (var i = 0; i < parents.Length; i++)
        {
            order[i] = i;
        }

        return true;
    }

    /// <summary>Whether every node's parent has a smaller index than the node.</summary>
    private static bool IsParentsFirst(ReadOnlySpan<int> parents)
    {
        for (var i = 1; i < parents.Length; i++)
        {
            if (parents[i] >= i)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the nodes in breadth-first order from the root and, unless
    /// <paramref name="breadthFirstParents"/> is empty, returns the tree renumbered in that order:
    /// the parent of the i-th node as its position in the order.
    /// </summary>
    private static ReadOnlySpan<int> BreadthFirstOrder(ReadOnlySpan<int> parents, Span<int> order, Span<int> breadthFirstParents)
    {
        var n = parents.Length;
        var start = ArrayPool<int>.Shared.Rent(n + 1);
        var children = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var offsets = start.AsSpan(0, n + 1);
            offsets.Clear();
            for (var i = 1; i < n; i++)
            {
                offsets[parents[i] + 1]++;
            }

            for (var i = 0; i < n; i++)
            {
                offsets[i + 1] += offsets[i];
            }

            var fill = ArrayPool<int>.Shared.Rent(n);
            try
            {
                offsets[..n].CopyTo(fill);
                for (var i = 1; i < n; i++)
                {
                    children[fill[parents[i]]++] = i;
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(fill);
            }

            order[0] = 0;
            var tail = 1;
            var renumber = !breadthFirstParents.IsEmpty;
            if (renumber)
            {
                breadthFirstParents[0] = parents[0];
            }

            for (var head = 0; head < tail; head++)
            {
                var node = order[head];
                for (var c = offsets[node]; c < offsets[node + 1]; c++)
                {
                    if (renumber)
                    {
                        breadthFirstParents[tail] = head;
                    }

                    order[tail++] = children[c];
                }
            }

            if (tail != n)
            {
                throw new InvalidOperationException("The cascade is not a tree rooted at node 0.");
            }

            return breadthFirstParents;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(start);
            ArrayPool<int>.Shared.Return(children);
        }
    }

    /// <summary>Depth, breadth, Wiener index and branching of a tree whose nodes are numbered parents first.</summary>
    public static TreeShape Structure(ReadOnlySpan<int> parents, Span<int> depth, Span<int> subtree, Span<int> childCount)
    {
        var n = parents.Length;
        childCount = childCount[..n];
        depth = depth[..n];
        subtree = subtree[..n];
        childCount.Clear();
        depth[0] = 0;
        var maxDepth = 0;
        for (var node = 1; node < n; node++)
        {
            var parent = parents[node];
            var d = depth[parent] + 1;
            depth[node] = d;
            maxDepth = Math.Max(maxDepth, d);
            childCount[parent]++;
        }

        var levels = ArrayPool<int>.Shared.Rent(maxDepth + 1);
        try
        {
            var levelCounts = levels.AsSpan(0, maxDepth + 1);
            levelCounts.Clear();
            foreach (var d in depth)
            {
                levelCounts[d]++;
            }

            var maxBreadth = 0;
            foreach (var count in levelCounts)
            {
                maxBreadth = Math.Max(maxBreadth, count);
            }

            subtree.Fill(1);
            var wiener = WienerIndex(parents, subtree);

            var maxChildren = 0;
            var branching = 0;
            foreach (var children in childCount)
            {
                maxChildren = Math.Max(maxChildren, children);
                branching += children > 0 ? 1 : 0;
            }

            return new TreeShape(maxDepth, maxBreadth, wiener, maxChildren, branching);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(levels);
        }
    }

    /// <summary>
    /// Σ over non-root v of s(v)·(n − s(v)), children before parents, filling the subtree sizes.
    /// Terms are summed in 64 bits in runs short enough not to overflow, then carried into 128.
    /// </summary>
    private static Int128 WienerIndex(ReadOnlySpan<int> parents, Span<int> subtree)
    {
        var n = parents.Length;
        var largestTerm = (ulong)n / 2 * (ulong)(n - (n / 2));
        var run = (int)Math.Min(int.MaxValue, ulong.MaxValue / Math.Max(largestTerm, 1));
        Int128 wiener = 0;
        var i = n - 1;
        while (i >= 1)
        {
            var stop = Math.Max(0, i - run);
            ulong partial = 0;
            for (; i > stop; i--)
            {
                var s = subtree[i];
                partial += (ulong)s * (ulong)(n - s);
                subtree[parents[i]] += s;
            }

            wiener += partial;
        }

        return wiener;
    }

    /// <summary>Seconds to the k-th repost (k in <see cref="RepostRanks"/>) and to the ⌈(n−1)/2⌉-th.</summary>
    /// <remarks>Times already in order (the usual case: reposts stored as they arrive) are read directly; others are selected with <paramref name="scratch"/> as working space.</remarks>
    private static (IReadOnlyDictionary<string, double?> Ranked, double? HalfLife) TimeRanks(
        ReadOnlySpan<long> times, bool sorted, Span<long> scratch, long rootAt)
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
        if (sorted)
        {
            selected = new long[wanted.Length];
            for (var i = 0; i < wanted.Length; i++)
            {
                selected[i] = times[wanted[i]];
            }
        }
        else
        {
            selected = Selection.SelectRanks(times, wanted, scratch);
        }
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

        return (ranked, reposts > 0 ? Seconds(values[halfRank]) : null);
    }

    private static (int Explicit, int Root, int Quotes) EdgeKinds(CascadeGraph graph)
    {
        var explicitEdges = 0;
        var quotes = 0;
        for (var i = 1; i < graph.NodeCount; i++)
        {
            explicitEdges += graph.AttributionOf(i) == Attribution.Explicit ? 1 : 0;
            quotes += graph.KindOf(i) == NodeKind.Quote ? 1 : 0;
        }

        return (explicitEdges, graph.NodeCount - 1 - explicitEdges, quotes);
    }

    private static (int Participants, long Exposure, int UnknownAudience) Audience(CascadeGraph graph, ReadOnlySpan<long> followersByAccount)
    {
        var accounts = graph.AccountOf;
        var seen = ArrayPool<bool>.Shared.Rent(graph.Accounts.Count);
        try
        {
            var seenSpan = seen.AsSpan(0, graph.Accounts.Count);
            seenSpan.Clear();
            var participants = 0;
            long exposure = 0;
            var unknown = 0;
            foreach (var account in accounts)
            {
                if (!seenSpan[account])
                {
                    seenSpan[account] = true;
                    participants++;
                }

                if (FollowersOf(account, followersByAccount) is { } f)
                {
                    exposure += f;
                }
                else
                {
                    unknown++;
                }
            }

            return (participants, exposure, unknown);
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(seen);
        }
    }

    private static long? FollowersOf(int account, ReadOnlySpan<long> followersByAccount) =>
        account < followersByAccount.Length && followersByAccount[account] >= 0 ? followersByAccount[account] : null;
}

/// <summary>Quickselect (Hoare partition, median of three): the k-th smallest in expected O(n).</summary>
public static class Selection
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
        var results = new long[ranks.Length];
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

        var min = long.MaxValue;
        var max = long.MinValue;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
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
            foreach (var v in values)
            {
                counts[(int)(unchecked((ulong)v - (ulong)min) >> shift)]++;
            }

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
