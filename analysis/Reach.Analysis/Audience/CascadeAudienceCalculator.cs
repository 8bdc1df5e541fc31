using Reach.Analysis.Cascades;

namespace Reach.Analysis.Audience;

/// <summary>
/// Attribution and reach of one cascade from its participants' follower sets.
/// <para>Time order: the root first, then the other nodes by time, ties by post id (UTF-8 byte
/// order); "earlier" and "most recent" below mean earlier and later in this order.</para>
/// <para>Time-inferred attribution (Goel et al. 2016): a node whose event named no parent gets as
/// parent the most recent node with a strictly earlier time whose account the reposter follows, else
/// the root. An explicit parent is kept; one that has not arrived leaves the node under the root.</para>
/// <para>Reach is the union of the participants' follower sets, taken in time order so that each
/// node's marginal reach is what it added. It is exact while the union holds at most
/// <see cref="AudienceOptions.ExactLimit"/> accounts, and a HyperLogLog estimate beyond.</para>
/// </summary>
public static class CascadeAudienceCalculator
{
    /// <param name="graph">The cascade; its root must be known.</param>
    /// <param name="followersByAccount">f(u) per account index; negative or missing means unknown.</param>
    /// <param name="audiences">Per account index what is known of F(u); null or missing means unknown.</param>
    public static CascadeAudience Compute(
        CascadeGraph graph,
        ReadOnlySpan<long> followersByAccount,
        IReadOnlyList<AccountAudience?> audiences,
        AudienceOptions? options = null)
    {
        if (!graph.RootKnown)
        {
            throw new InvalidOperationException("The root post of this cascade has not arrived.");
        }

        options ??= AudienceOptions.Default;
        var order = TimeOrder(graph);
        var accounts = graph.Accounts.Count;
        var audience = new AccountAudience[accounts];
        for (var a = 0; a < accounts; a++)
        {
            audience[a] = a < audiences.Count && audiences[a] is { } known ? known : AccountAudience.Unknown;
        }

        var (parents, attributions) = Attribute(graph, order, audience);
        var marginal = new long[graph.NodeCount];
        var reach = Reach(graph, order, audience, followersByAccount, options, marginal);
        return new CascadeAudience { Parents = parents, Attributions = attributions, MarginalReach = marginal, Reach = reach };
    }

    /// <summary>The nodes in time order: the root, then by time, ties by post id.</summary>
    /// <remarks>
    /// Nodes stored as they arrived in time order (the usual case) are already in it but for runs of
    /// equal times: only those runs are sorted, instead of all the nodes by time.
    /// </remarks>
    public static int[] TimeOrder(CascadeGraph graph)
    {
        var n = graph.NodeCount;
        var result = new int[n];
        var order = result.AsSpan(1);
        var repostTimes = graph.Times[1..];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i + 1;
        }

        var times = repostTimes;
        if (!IsNonDecreasing(repostTimes))
        {
            var keys = repostTimes.ToArray();
            keys.AsSpan().Sort(order);
            times = keys;
        }

        var ids = graph.Ids;
        for (var start = 0; start < times.Length;)
        {
            var end = start + 1;
            while (end < times.Length && times[end] == times[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                order[start..end].Sort((x, y) => ids.Utf8(x).SequenceCompareTo(ids.Utf8(y)));
            }

            start = end;
        }

        return result;
    }

    private static bool IsNonDecreasing(ReadOnlySpan<long> values)
    {
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] < values[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    private static (int[] Parents, Attribution[] Attributions) Attribute(CascadeGraph graph, int[] order, AccountAudience[] audience)
    {
        var n = graph.NodeCount;
        var parents = graph.Parents.ToArray();
        var attributions = new Attribution[n];
        var times = graph.Times;
        var accountOf = graph.AccountOf;
        var anyToInfer = false;
        var backwardInTime = false;
        for (var i = 1; i < n; i++)
        {
            attributions[i] = graph.AttributionOf(i);
            anyToInfer |= !graph.ParentNamed(i);
            backwardInTime |= attributions[i] == Attribution.Explicit && times[parents[i]] > times[i];
        }

        if (!anyToInfer)
        {
            return (parents, attributions);
        }

        // The follower graph restricted to the cascade, as "account r follows accounts following[r]".
        var following = Csr(audience.Length, audience.SelectMany((a, followed) => a.FollowedBy.Select(r => (r, followed))));

        // Each account's nodes in time order, with their ranks in that order.
        var rank = new int[n];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        var nodeAccounts = new (int Account, int Node)[n];
        for (var r = 0; r < n; r++)
        {
            nodeAccounts[r] = (accountOf[order[r]], order[r]);
        }

        var nodesOf = Csr(audience.Length, nodeAccounts);
        var decided = new bool[n];
        decided[0] = true;
        foreach (var node in order.AsSpan(1))
        {
            if (graph.ParentNamed(node))
            {
                decided[node] = true;
                continue;
            }

            var best = -1;
            var reposter = accountOf[node];
            for (var f = following.Start[reposter]; f < following.Start[reposter + 1]; f++)
            {
                var followed = following.Items[f];
                var (from, to) = (nodesOf.Start[followed], nodesOf.Start[followed + 1]);

                // The last of the account's nodes with a time strictly before this node's.
                int lo = from, hi = to;
                while (lo < hi)
                {
                    var mid = (lo + hi) >>> 1;
                    if (times[nodesOf.Items[mid]] < times[node])
                    {
                        lo = mid + 1;
                    }
                    else
                    {
                        hi = mid;
                    }
                }

                for (var c = lo - 1; c >= from; c--)
                {
                    var candidate = nodesOf.Items[c];
                    if (best >= 0 && rank[candidate] <= rank[best])
                    {
                        break;
                    }

                    if (!backwardInTime || !IsAncestorOrSelf(node, candidate, parents, decided))
                    {
                        best = candidate;
                        break;
                    }
                }
            }

            (parents[node], attributions[node]) = best >= 0 ? (best, Attribution.Inferred) : (0, Attribution.Root);
            decided[node] = true;
        }

        return (parents, attributions);
    }

    /// <summary>
    /// Whether <paramref name="node"/> is <paramref name="candidate"/> or one of its ancestors through
    /// the parents decided so far: only possible when an explicit parent is later in time than its child.
    /// </summary>
    private static bool IsAncestorOrSelf(int node, int candidate, int[] parents, bool[] decided)
    {
        for (var steps = 0; candidate > 0 && steps <= parents.Length; steps++)
        {
            if (candidate == node)
            {
                return true;
            }

            if (!decided[candidate])
            {
                return false;
            }

            candidate = parents[candidate];
        }

        return false;
    }

    private static ReachFigures Reach(
        CascadeGraph graph, int[] order, AccountAudience[] audience, ReadOnlySpan<long> followersByAccount,
        AudienceOptions options, long[] marginal)
    {
        var accountOf = graph.AccountOf;
        var author = accountOf[0];
        var knownAccounts = audience.Count(a => a.FollowersKnown);

        var accountsInOrder = new int[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            accountsInOrder[i] = accountOf[order[i]];
        }

        var (marginalInOrder, size) = ReachUnion.InOrder(accountsInOrder, audience, followersByAccount, options.ExactLimit);
        for (var i = 0; i < order.Length; i++)
        {
            marginal[order[i]] = marginalInOrder[i];
        }

        var (union, method, upperBound) = (size.KnownUnion, size.Method, size.IsUpperBound);
        var reach = size.Total;
        var authorAudience = audience[author].FollowersKnown ? audience[author].FollowerSetSize : Followers(author, followersByAccount) ?? 0;
        var earned = Math.Max(0, reach - authorAudience);
        var (strangers, decided) = Strangers(graph, audience);
        return new ReachFigures
        {
            Reach = reach,
            KnownUnion = union,
            Method = method,
            RelativeError = method == ReachFigures.Exact ? 0 : new HyperLogLog().RelativeStandardError,
            IsUpperBound = upperBound,
            EarnedReach = earned,
            Multiplier = audience[author].FollowersKnown && audience[author].FollowerSetSize > 0
                ? (double)reach / audience[author].FollowerSetSize
                : null,
            EarnedShare = reach > 0 ? (double)earned / reach : null,
            StrangerShare = decided > 0 ? (double)strangers / decided : null,
            Strangers = strangers,
            DecidedReposters = decided,
            AccountsWithKnownFollowers = knownAccounts,
        };
    }

    /// <summary>
    /// Reposters (distinct accounts of non-root nodes, the author aside) who neither follow the
    /// author nor are followed by the author, over those for whom both can be decided.
    /// </summary>
    private static (int Strangers, int Decided) Strangers(CascadeGraph graph, AccountAudience[] audience)
    {
        var author = graph.AccountOf[0];
        var followsAuthor = new HashSet<int>(audience[author].FollowedBy);
        int strangers = 0, decided = 0;
        var seen = new bool[audience.Length];
        seen[author] = true;
        foreach (var r in graph.AccountOf[1..])
        {
            if (seen[r])
            {
                continue;
            }

            seen[r] = true;
            bool? follows = audience[author].FollowersKnown ? followsAuthor.Contains(r) : null;
            bool? followed = audience[r].FollowersKnown ? Array.BinarySearch(audience[r].FollowedBy, author) >= 0 : null;
            if (follows is true || followed is true)
            {
                decided++;
            }
            else if (follows is false && followed is false)
            {
                decided++;
                strangers++;
            }
        }

        return (strangers, decided);
    }

    private static long? Followers(int account, ReadOnlySpan<long> followersByAccount) =>
        account < followersByAccount.Length && followersByAccount[account] >= 0 ? followersByAccount[account] : null;

    /// <summary>Compressed rows: the items of row r are Items[Start[r]..Start[r+1]], in the order given.</summary>
    private sealed record Rows(int[] Start, int[] Items);

    private static Rows Csr(int rows, IEnumerable<(int Row, int Item)> pairs)
    {
        var list = pairs.ToList();
        var start = new int[rows + 1];
        foreach (var (row, _) in list)
        {
            start[row + 1]++;
        }

        for (var r = 0; r < rows; r++)
        {
            start[r + 1] += start[r];
        }

        var fill = start[..rows];
        var items = new int[list.Count];
        foreach (var (row, item) in list)
        {
            items[fill[row]++] = item;
        }

        return new Rows(start, items);
    }
}
