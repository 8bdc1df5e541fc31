using MathNet.Numerics.Distributions;
using Reach.Analysis.Events;

namespace Reach.Analysis.Synthetic;

/// <summary>What <see cref="SyntheticCascadeGenerator.Generate"/> produces.</summary>
public sealed record SyntheticOptions
{
    /// <summary>Nodes per cascade: the root post plus <c>Nodes − 1</c> reposts (at least 1).</summary>
    public int Nodes { get; init; } = 1000;

    /// <summary>Number of independent cascades (at least 1); cascade c starts <c>c × 15 min</c> after <see cref="StartTime"/>.</summary>
    public int Cascades { get; init; } = 1;

    /// <summary>Same seed and options, same events, byte for byte.</summary>
    public int Seed { get; init; }

    /// <summary>Time of the first cascade's root post.</summary>
    public DateTimeOffset StartTime { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Emit one <c>account</c> event (heavy-tailed follower count) per distinct participant of a cascade.</summary>
    public bool IncludeAccounts { get; init; } = true;

    /// <summary>Reposts carry <c>parentPostId</c>; when false it is omitted (attribution must be inferred).</summary>
    public bool ExplicitParents { get; init; } = true;

    /// <summary>
    /// Emit each cascade's events in a seeded random order instead of time order. The events themselves are
    /// the same as without shuffling; cascades still come one after another.
    /// </summary>
    public bool Shuffle { get; init; }

    /// <summary>Prefix of every id: posts are <c>{IdPrefix}c{cascade}-p{index}</c>, accounts <c>{IdPrefix}c{cascade}-a{index}</c>.</summary>
    public string IdPrefix { get; init; } = "syn-";
}

/// <summary>
/// Deterministic (by seed) generator of realistic repost cascades for benchmarks and tests, up to millions of
/// nodes per cascade.
/// </summary>
/// <remarks>
/// <para>Model, per cascade:</para>
/// <list type="bullet">
/// <item><b>Structure</b>: reposts arrive one by one; each comes straight from the root with probability
/// <see cref="RootShare"/>, otherwise from an earlier repost chosen by preferential attachment with fitness
/// (weight = (1 + its children) × fitness, fitness = (followers / 120)^0.4, 1 to 100; sampled from a Fenwick
/// tree in O(log n)). The offspring distribution is heavy-tailed: about a third of the reposts hang off the
/// root and most of the rest off a few hubs, which tend to be large accounts (for a million nodes the largest
/// hub typically has 10–30 % of the reposts); depth is typically 5–10 for thousands of nodes and 10–15 for a
/// million.</item>
/// <item><b>Timing</b>: a repost's delay after its parent is log-normal (median 10 min, σ = 1.5, at least
/// 1 s, at most 7 days), so every repost is strictly later than its parent and hubs produce bursts.</item>
/// <item><b>Accounts</b>: <see cref="RepeatShare"/> of the reposts come from an account that already
/// reposted the same cascade; follower counts are log-normal (median 120, σ = 1.9), heavy-tailed.</item>
/// </list>
/// <para>
/// Events of a cascade, in time order: the root <c>post</c>, then the reposts; with
/// <see cref="SyntheticOptions.IncludeAccounts"/> each account's <c>account</c> event comes right before its
/// first node, with that node's time. Node indices (the <c>p{index}</c> of the ids) follow time order, the
/// root is <c>p0</c>; account indices follow first appearance, the author is <c>a0</c>.
/// Memory is O(nodes) for the cascade being emitted (a few arrays, no per-node objects); events are created
/// lazily as they are enumerated.
/// </para>
/// </remarks>
public static class SyntheticCascadeGenerator
{
    /// <summary>Probability that a repost comes straight from the root.</summary>
    public const double RootShare = 0.35;

    /// <summary>Probability that a repost comes from an account that already reposted the cascade.</summary>
    public const double RepeatShare = 0.03;

    private const double FollowersMedian = 120;
    private const double FollowersSigma = 1.9;
    private const double MaxFollowers = 50_000_000;
    private const double DelayMedianSeconds = 600;
    private const double DelaySigma = 1.5;
    private const double MaxDelaySeconds = 7 * 24 * 3600;

    /// <summary>Attachment fitness = (followers / median)^FitnessExponent, between 1 and MaxFitness.</summary>
    private const double FitnessExponent = 0.4;
    private const int MaxFitness = 100;

    public static IEnumerable<ReachEvent> Generate(SyntheticOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Nodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Cascades, 1);
        ArgumentNullException.ThrowIfNull(options.IdPrefix);
        return GenerateCore(options);
    }

    private static IEnumerable<ReachEvent> GenerateCore(SyntheticOptions options)
    {
        for (var c = 0; c < options.Cascades; c++)
        {
            var cascade = Build(options, c);
            var events = options.Shuffle ? cascade.Shuffled(options) : cascade.InTimeOrder(options);
            foreach (var evt in events)
            {
                yield return evt;
            }
        }
    }

    /// <summary>
    /// <paramref name="events"/> with about one in <paramref name="oneIn"/> of the reposts and quotes
    /// that name another repost moved to just before the post they name, or before where that one
    /// moved: reposts that arrive before their parent, as a stream merged from several producers has them.
    /// </summary>
    public static List<ReachEvent> WithLateParents(IReadOnlyList<ReachEvent> events, int oneIn, int seed)
    {
        var random = new Random(seed);
        var position = new double[events.Count];
        var eventOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            position[i] = i;
            if (events[i].PostId is { } postId)
            {
                eventOf.TryAdd(postId, i);
            }
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].ParentPostId is { } parent && parent != events[i].RootPostId && eventOf.TryGetValue(parent, out var parentEvent)
                && random.Next(oneIn) == 0)
            {
                position[i] = position[parentEvent] - (0.5 * random.NextDouble());
            }
        }

        return [.. Enumerable.Range(0, events.Count).OrderBy(i => position[i]).Select(i => events[i])];
    }

    private static Cascade Build(SyntheticOptions options, int c)
    {
        var n = options.Nodes;
        var structure = new Random(MixSeed(options.Seed, c, 1));
        var timing = new Random(MixSeed(options.Seed, c, 2));

        // Structure in creation order: parent[i] < i, so times can be computed in one pass.
        var parent = new int[n];
        var account = new int[n];
        var followers = new int[n];
        var fitnessOf = new int[n];
        var weights = new FenwickTree(n);
        var accountCount = 1;
        followers[0] = SampleFollowers(structure);
        parent[0] = -1;

        for (var i = 1; i < n; i++)
        {
            int acct;
            if (i > 1 && structure.NextDouble() < RepeatShare)
            {
                acct = account[1 + structure.Next(i - 1)];
            }
            else
            {
                acct = accountCount++;
                followers[acct] = SampleFollowers(structure);
            }

            var p = i == 1 || structure.NextDouble() < RootShare ? 0 : weights.Find(structure.NextInt64(weights.Total));
            if (p != 0 && account[p] == acct)
            {
                p = 0;
            }

            parent[i] = p;
            account[i] = acct;
            var fitness = Fitness(followers[acct]);
            fitnessOf[i] = fitness;
            weights.Add(i, fitness);
            if (p != 0)
            {
                weights.Add(p, fitnessOf[p]);
            }
        }

        var start = options.StartTime.UtcTicks + (c * 15 * TimeSpan.TicksPerMinute);
        var ticks = new long[n];
        ticks[0] = start;
        for (var i = 1; i < n; i++)
        {
            ticks[i] = ticks[parent[i]] + SampleDelayTicks(timing);
        }

        // Renumber nodes by time: the root stays first (every other node is strictly later).
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(ticks, order);
        var rank = new int[n];
        for (var r = 0; r < n; r++)
        {
            rank[order[r]] = r;
        }

        var parentByRank = new int[n];
        var accountByRank = new int[n];
        for (var r = 0; r < n; r++)
        {
            var i = order[r];
            parentByRank[r] = i == 0 ? -1 : rank[parent[i]];
            accountByRank[r] = account[i];
        }

        // Renumber accounts by first appearance in time order.
        var newId = rank; // reused as scratch: rank is no longer needed
        Array.Fill(newId, -1, 0, accountCount);
        var followersById = new int[accountCount];
        var firstRank = new int[accountCount];
        var next = 0;
        for (var r = 0; r < n; r++)
        {
            var old = accountByRank[r];
            if (newId[old] < 0)
            {
                newId[old] = next;
                followersById[next] = followers[old];
                firstRank[next] = r;
                next++;
            }

            accountByRank[r] = newId[old];
        }

        return new Cascade(
            $"{options.IdPrefix}c{c}-",
            parentByRank,
            ticks,
            accountByRank,
            followersById,
            firstRank,
            new Random(MixSeed(options.Seed, c, 3)));
    }

    private static int SampleFollowers(Random random) =>
        (int)Math.Min(MaxFollowers, Math.Round(LogNormal.Sample(random, Math.Log(FollowersMedian), FollowersSigma)));

    private static int Fitness(int followers) =>
        (int)Math.Clamp(Math.Round(Math.Pow(followers / FollowersMedian, FitnessExponent)), 1, MaxFitness);

    private static long SampleDelayTicks(Random random)
    {
        var seconds = Math.Clamp(LogNormal.Sample(random, Math.Log(DelayMedianSeconds), DelaySigma), 1, MaxDelaySeconds);
        return (long)Math.Round(seconds * 1000) * TimeSpan.TicksPerMillisecond;
    }

    /// <summary>A stable 32-bit seed per (seed, cascade, stream), so streams do not depend on each other.</summary>
    private static int MixSeed(int seed, int cascade, int stream)
    {
        var x = unchecked(((ulong)(uint)seed << 32) ^ ((ulong)(uint)cascade << 4) ^ (ulong)stream);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return unchecked((int)(x & 0x7FFF_FFFF));
    }

    /// <summary>Integer weights with prefix sums: O(log n) update and weighted sampling.</summary>
    private sealed class FenwickTree(int size)
    {
        private readonly long[] _tree = new long[size + 1];

        public long Total { get; private set; }

        public void Add(int index, long delta)
        {
            Total += delta;
            for (var i = index + 1; i < _tree.Length; i += i & -i)
            {
                _tree[i] += delta;
            }
        }

        /// <summary>The index whose cumulative range contains <paramref name="point"/> (0 ≤ point &lt; Total).</summary>
        public int Find(long point)
        {
            var pos = 0;
            for (var step = 1 << (31 - int.LeadingZeroCount(_tree.Length - 1)); step > 0; step >>= 1)
            {
                var next = pos + step;
                if (next < _tree.Length && _tree[next] <= point)
                {
                    pos = next;
                    point -= _tree[next];
                }
            }

            return pos;
        }
    }

    private sealed class Cascade(
        string idPrefix,
        int[] parentByRank,
        long[] ticks,
        int[] accountByRank,
        int[] followersByAccount,
        int[] firstRankByAccount,
        Random shuffle)
    {
        private readonly string _idPrefix = idPrefix;
        private readonly int[] _parentByRank = parentByRank;
        private readonly long[] _ticks = ticks;
        private readonly int[] _accountByRank = accountByRank;
        private readonly int[] _followersByAccount = followersByAccount;
        private readonly int[] _firstRankByAccount = firstRankByAccount;
        private readonly Random _shuffle = shuffle;
        private readonly string _rootId = idPrefix + "p0";

        public IEnumerable<ReachEvent> InTimeOrder(SyntheticOptions options)
        {
            var accountsEmitted = 0;
            for (var r = 0; r < _ticks.Length; r++)
            {
                if (options.IncludeAccounts && _accountByRank[r] == accountsEmitted)
                {
                    yield return AccountEvent(accountsEmitted++);
                }

                yield return NodeEvent(r, options.ExplicitParents);
            }
        }

        public IEnumerable<ReachEvent> Shuffled(SyntheticOptions options)
        {
            var nodes = _ticks.Length;
            var total = nodes + (options.IncludeAccounts ? _followersByAccount.Length : 0);
            var permutation = new int[total];
            for (var e = 0; e < total; e++)
            {
                permutation[e] = e;
            }

            _shuffle.Shuffle(permutation);
            foreach (var e in permutation)
            {
                yield return e < nodes ? NodeEvent(e, options.ExplicitParents) : AccountEvent(e - nodes);
            }
        }

        private ReachEvent NodeEvent(int r, bool explicitParents)
        {
            if (r == 0)
            {
                return new ReachEvent
                {
                    Type = EventType.Post,
                    PostId = _rootId,
                    AccountId = AccountId(_accountByRank[0]),
                    At = _ticks[0],
                };
            }

            var parent = _parentByRank[r];
            return new ReachEvent
            {
                Type = EventType.Repost,
                PostId = PostId(r),
                AccountId = AccountId(_accountByRank[r]),
                RootPostId = _rootId,
                ParentPostId = explicitParents ? PostId(parent) : null,
                At = _ticks[r],
            };
        }

        private ReachEvent AccountEvent(int a) => new()
        {
            Type = EventType.Account,
            AccountId = AccountId(a),
            Followers = _followersByAccount[a],
            At = _ticks[_firstRankByAccount[a]],
        };

        private string PostId(int r) => r == 0 ? _rootId : string.Concat(_idPrefix, "p", r.ToString(System.Globalization.CultureInfo.InvariantCulture));

        private string AccountId(int a) => string.Concat(_idPrefix, "a", a.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
