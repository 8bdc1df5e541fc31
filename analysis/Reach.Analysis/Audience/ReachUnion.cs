namespace Reach.Analysis.Audience;

/// <summary>The size of a union of follower sets: exact, or a HyperLogLog estimate once it passes the limit.</summary>
/// <param name="KnownUnion">|⋃ F(u)| over the accounts whose set is known.</param>
/// <param name="UnknownAdded">Σ f(u) over the distinct accounts whose set is unknown but whose count is (an upper bound).</param>
/// <param name="CountedByFollowers">How many accounts' counts f(u) stand in for unknown sets; above 0 the total is an upper bound.</param>
public readonly record struct UnionSize(long KnownUnion, long UnknownAdded, bool Exact, int CountedByFollowers = 0)
{
    public bool IsUpperBound => CountedByFollowers > 0;

    public long Total => KnownUnion + UnknownAdded;

    public string Method => Exact ? ReachFigures.Exact : ReachFigures.Hll;
}

/// <summary>
/// Counts |⋃ F(u)| over a list of accounts (each counted once), with the same rule as a cascade's
/// reach: exact while the union holds at most the limit, then HyperLogLog at precision 14; an
/// account whose set is unknown adds its follower count f(u) instead.
/// </summary>
public static class ReachUnion
{
    /// <summary>
    /// The union over <paramref name="accountsInOrder"/> taken in that order, and what each position
    /// added (0 for an account seen before): followers no earlier position had reached, or, for an
    /// account whose set is unknown, its count f. With HyperLogLog the rise of the estimate.
    /// </summary>
    public static (long[] Marginal, UnionSize Size) InOrder(
        IReadOnlyList<int> accountsInOrder, IReadOnlyList<AccountAudience?> audiences, ReadOnlySpan<long> followersByAccount, int exactLimit)
    {
        var marginal = new long[accountsInOrder.Count];
        var firsts = new List<(int Position, AccountAudience Audience)>();
        var seen = new SeenAccounts(accountsInOrder);
        long unknownAdded = 0;
        var countedByFollowers = 0;
        for (var i = 0; i < accountsInOrder.Count; i++)
        {
            var account = accountsInOrder[i];
            if (!seen.Add(account))
            {
                continue;
            }

            if (account < audiences.Count && audiences[account] is { FollowersKnown: true } audience)
            {
                firsts.Add((i, audience));
            }
            else if (account < followersByAccount.Length && followersByAccount[account] >= 0)
            {
                marginal[i] = followersByAccount[account];
                unknownAdded += followersByAccount[account];
                countedByFollowers++;
            }
        }

        if (firsts.All(f => f.Audience.Members is not null) && ExactInOrder(firsts, exactLimit, marginal) is { } exact)
        {
            return (marginal, new UnionSize(exact, unknownAdded, Exact: true, countedByFollowers));
        }

        var sketch = new HyperLogLog();
        long cumulative = 0;
        foreach (var (position, audience) in firsts)
        {
            if (audience.Members is { } members)
            {
                sketch.AddHashes(members);
            }
            else if (audience.Sketch is { } bytes)
            {
                sketch.UnionWith(bytes.AsSpan());
            }

            var estimate = Math.Max(cumulative, (long)Math.Round(sketch.Estimate()));
            marginal[position] = estimate - cumulative;
            cumulative = estimate;
        }

        return (marginal, new UnionSize(cumulative, unknownAdded, Exact: false, countedByFollowers));
    }

    private static long? ExactInOrder(List<(int Position, AccountAudience Audience)> firsts, int exactLimit, long[] marginal)
    {
        var reached = new HashSet<ulong>();
        foreach (var (position, audience) in firsts)
        {
            var before = reached.Count;
            reached.UnionWith(audience.Members!);
            if (reached.Count > exactLimit)
            {
                return null;
            }

            marginal[position] = reached.Count - before;
        }

        return reached.Count;
    }

    /// <summary>
    /// Which account indexes were met: a flag per index when the list covers a good share of the
    /// indexes up to its largest (a cascade's own accounts), a hash set for a few scattered ones (a
    /// campaign's post or group).
    /// </summary>
    private sealed class SeenAccounts
    {
        private const int IndexesPerAccountForFlags = 4;
        private readonly bool[]? _flags;
        private readonly HashSet<int>? _set;

        public SeenAccounts(IReadOnlyList<int> accounts)
        {
            var largest = -1;
            var smallest = 0;
            foreach (var account in accounts)
            {
                (largest, smallest) = (Math.Max(largest, account), Math.Min(smallest, account));
            }

            if (smallest >= 0 && largest < (long)IndexesPerAccountForFlags * accounts.Count)
            {
                _flags = new bool[largest + 1];
            }
            else
            {
                _set = [];
            }
        }

        /// <summary>True the first time an account is met.</summary>
        public bool Add(int account)
        {
            if (_flags is null)
            {
                return _set!.Add(account);
            }

            var first = !_flags[account];
            _flags[account] = true;
            return first;
        }
    }

    public static UnionSize Count(
        IEnumerable<int> accounts, IReadOnlyList<AccountAudience?> audiences, ReadOnlySpan<long> followersByAccount, int exactLimit) =>
        InOrder([.. accounts], audiences, followersByAccount, exactLimit).Size;
}
