using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;

namespace Reach.Analysis.Tests;

public sealed class ReachTests
{
    /// <summary>
    /// F(author) = {x, y, c}; b reposts at 10 s with F(b) = {y, w, v}; c at 20 s with F(c) = {w, u}.
    /// Worked by hand: reached = {x, y, c, w, v, u} = 6; the author alone reaches 3, so earned 3,
    /// multiplier 6/3 = 2, earned share 1/2. Exposure 3 + 3 + 2 = 8, frequency 8/6. Marginal reach:
    /// the author 3, b adds w and v (2), c adds u (1). Strangers: b neither follows the author nor is
    /// followed by them; c follows the author: 1 of 2. b follows nobody in the cascade: root fallback;
    /// c follows the author: inferred under the root.
    /// </summary>
    private static AudienceCase HandWorked() => new AudienceCase()
        .Repost("rb", "b", 10).Repost("rc", "c", 20)
        .Followers("author", "x", "y", "c").Followers("b", "y", "w", "v").Followers("c", "w", "u");

    [Fact]
    public void Reach_earned_reach_multiplier_and_shares_match_the_hand_worked_case()
    {
        var metrics = HandWorked().Metrics();

        Assert.Equal(6, metrics.Reach);
        Assert.Equal("exact", metrics.ReachMethod);
        Assert.Equal(0, metrics.ReachRelativeError);
        Assert.False(metrics.ReachIsUpperBound);
        Assert.Equal(3, metrics.EarnedReach);
        Assert.Equal(2.0, metrics.Multiplier);
        Assert.Equal(0.5, metrics.EarnedShare);
        Assert.Equal(0.5, metrics.StrangerShare);
        Assert.Equal((1, 2), (metrics.Strangers, metrics.DecidedReposters));
        Assert.Equal(8, metrics.Exposure);
        Assert.Equal(8.0 / 6, metrics.Frequency!.Value, 12);
        Assert.Equal(new AttributionCounts(0, 1, 1), metrics.Attribution);
    }

    [Fact]
    public void Marginal_reach_counts_followers_no_earlier_node_reached_and_adds_up_to_reach()
    {
        var cascade = HandWorked().Repost("rb2", "b", 30);

        var audience = cascade.Compute();

        Assert.Equal(3, audience.MarginalReach[0]);
        Assert.Equal(2, audience.MarginalReach[cascade.Node("rb")]);
        Assert.Equal(1, audience.MarginalReach[cascade.Node("rc")]);
        Assert.Equal(0, audience.MarginalReach[cascade.Node("rb2")]); // b's followers were all reached at 10 s
        Assert.Equal(audience.Reach.Reach, audience.MarginalReach.Sum());
    }

    [Fact]
    public void A_node_whose_followers_are_unknown_adds_its_follower_count_and_makes_reach_an_upper_bound()
    {
        var metrics = HandWorked().Repost("rd", "d", 30).Count("d", 10).Metrics();

        Assert.Equal(16, metrics.Reach);
        Assert.True(metrics.ReachIsUpperBound);
        Assert.Equal(13, metrics.EarnedReach);

        // d does not follow the author, but whether the author follows d is unknown (F(d) is): undecided.
        Assert.Equal(2, metrics.DecidedReposters);
    }

    [Fact]
    public void An_account_whose_followers_are_unknown_adds_its_count_once_however_often_it_reposts()
    {
        // d reposts three times with f(d) = 10 and no known set: 6 + 10, as with one repost.
        var cascade = HandWorked().Repost("rd1", "d", 30).Repost("rd2", "d", 40).Repost("rd3", "d", 50).Count("d", 10);

        var audience = cascade.Compute();

        Assert.Equal(16, audience.Reach.Reach);
        Assert.Equal((10, 0, 0), (audience.MarginalReach[cascade.Node("rd1")], audience.MarginalReach[cascade.Node("rd2")], audience.MarginalReach[cascade.Node("rd3")]));
    }

    [Fact]
    public void A_union_over_a_few_scattered_account_indexes_counts_each_account_once()
    {
        var followers = new long[100_001];
        (followers[7], followers[100_000]) = (3, 5);

        var union = ReachUnion.Count([100_000, 7, 100_000, 7, 100_000], [], followers, exactLimit: 1_000);

        Assert.Equal((0, 8, 2), (union.KnownUnion, union.UnknownAdded, union.CountedByFollowers));
    }

    [Fact]
    public void The_multiplier_is_left_out_when_the_author_has_no_known_followers()
    {
        var metrics = new AudienceCase().Repost("rb", "b", 10).Followers("b", "y", "w").Metrics();

        Assert.Equal(2, metrics.Reach);
        Assert.Null(metrics.Multiplier);
        Assert.Equal(2, metrics.EarnedReach);
        Assert.Null(metrics.StrangerShare); // the author's followers are unknown: no reposter can be decided
    }

    [Fact]
    public void An_author_who_follows_a_reposter_makes_that_reposter_no_stranger()
    {
        var metrics = new AudienceCase().Repost("rb", "b", 10).Repost("rc", "c", 20)
            .Followers("author", "x").Followers("b", "author").Followers("c", "y").Metrics();

        Assert.Equal((1, 2), (metrics.Strangers, metrics.DecidedReposters));
        Assert.Equal(0.5, metrics.StrangerShare);
    }

    [Fact]
    public void Reach_without_any_known_audience_is_left_out()
    {
        var metrics = new AudienceCase().Repost("rb", "b", 10).Metrics();

        Assert.Null(metrics.Reach);
        Assert.Null(metrics.ReachMethod);
        Assert.Null(metrics.Multiplier);
    }

    [Fact]
    public void Reach_matches_a_brute_force_union_on_hundreds_of_random_cascades()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var cascade = new AudienceCase();
            var accounts = Enumerable.Range(0, random.Next(1, 12)).Select(i => $"a{i}").ToArray();
            var sets = new Dictionary<string, HashSet<string>>();
            foreach (var account in accounts.Append("author"))
            {
                if (random.NextDouble() < 0.85)
                {
                    sets[account] = [.. Enumerable.Range(0, random.Next(0, 60)).Select(_ => $"f{random.Next(150)}")];
                    cascade.Followers(account, [.. sets[account]]);
                }
            }

            var nodes = new List<(string Id, string Account, int Seconds)>();
            for (var i = 0; i < random.Next(1, 30); i++)
            {
                nodes.Add(($"r{i}", accounts[random.Next(accounts.Length)], random.Next(1, 50)));
                cascade.Repost(nodes[^1].Id, nodes[^1].Account, nodes[^1].Seconds);
            }

            var audience = cascade.Compute();

            var reached = new HashSet<string>();
            var expectedMarginal = new Dictionary<string, long>();
            foreach (var (id, account) in nodes.OrderBy(n => n.Seconds).ThenBy(n => n.Id, StringComparer.Ordinal).Select(n => (n.Id, n.Account))
                .Prepend((AudienceCase.Root, "author")))
            {
                var before = reached.Count;
                reached.UnionWith(sets.GetValueOrDefault(account) ?? []);
                expectedMarginal[id] = reached.Count - before;
            }

            Assert.Equal(reached.Count, audience.Reach.Reach);
            Assert.Equal(reached.Except(sets.GetValueOrDefault("author") ?? []).Count(), audience.Reach.EarnedReach);
            foreach (var (id, marginal) in expectedMarginal)
            {
                Assert.Equal(marginal, audience.MarginalReach[cascade.Node(id)]);
            }
        }
    }

    [Fact]
    public void Ten_million_followers_across_many_accounts_are_estimated_by_hyperloglog_within_three_standard_errors()
    {
        // 200 reposters with 60,000 followers each from a pool of 10,000,000 ids; each id is in one or
        // two lists, so the lists hold 12,000,000 entries and the union is exactly the pool.
        const int pool = 10_000_000;
        const int reposters = 200;
        var lists = new List<ulong>[reposters];
        for (var r = 0; r < reposters; r++)
        {
            lists[r] = [];
        }

        var random = new Random(11);
        for (var id = 0; id < pool; id++)
        {
            var hash = Mix((ulong)id);
            lists[id % reposters].Add(hash);
            if (id % 5 == 0)
            {
                lists[random.Next(reposters)].Add(hash);
            }
        }

        var graph = new CascadeGraph(AudienceCase.Root);
        graph.SetRoot("author", TreeBuilder.At(0));
        var audiences = new List<AccountAudience?> { null };
        for (var r = 0; r < reposters; r++)
        {
            graph.AddNode($"r{r}", $"a{r}", null, TreeBuilder.At(r + 1), NodeKind.Repost);
            var set = new FollowerSet();
            set.ApplySnapshot([.. lists[r]], 0);
            audiences.Add(AccountAudience.Of(set, []));
        }

        var audience = CascadeAudienceCalculator.Compute(graph, default, audiences);

        Assert.Equal("hll", audience.Reach.Method);
        Assert.Equal(1.04 / Math.Sqrt(16384), audience.Reach.RelativeError, 12);
        var error = Math.Abs(audience.Reach.Reach - pool) / (double)pool;
        Assert.True(error <= 3 * audience.Reach.RelativeError, $"estimate {audience.Reach.Reach} for {pool}: {error:P3} off");
        Assert.Equal(audience.Reach.Reach, audience.MarginalReach.Sum());
    }

    [Fact]
    public void Reach_switches_to_the_estimate_exactly_when_the_reached_set_passes_the_limit()
    {
        var cascade = HandWorked();

        Assert.Equal("exact", cascade.Compute(new AudienceOptions { ExactLimit = 6 }).Reach.Method);
        var estimated = cascade.Compute(new AudienceOptions { ExactLimit = 5 }).Reach;
        Assert.Equal("hll", estimated.Method);
        Assert.Equal(6, estimated.Reach); // linear counting is exact for a handful of ids
    }

    [Fact]
    public void The_timeline_carries_cumulative_reach_per_bucket()
    {
        var cascade = HandWorked();

        var timeline = CascadeTimelineBuilder.Build(cascade.Graph, TimeSpan.FromSeconds(15), cascade.Compute().MarginalReach);

        Assert.Equal([5L, 6L], timeline.Buckets.Select(b => b.Reach!.Value));
    }

    [Fact]
    public void Amplifiers_rank_reposts_by_marginal_reach_or_by_downstream_reposts()
    {
        // b (10 s) follows the author; c (20 s) and d (30 s) follow b; e (40 s) follows c and d, so it
        // hangs under d, the more recent.
        var cascade = new AudienceCase()
            .Repost("rb", "b", 10).Repost("rc", "c", 20).Repost("rd", "d", 30).Repost("re", "e", 40)
            .Followers("author", "b", "x").Followers("b", "c", "d", "x", "y").Followers("c", "e").Followers("d", "z", "c", "e", "q").Followers("e");
        var audience = cascade.Compute();
        var (_, counts) = cascade.Inputs();

        var byReach = Amplifiers.Rank(cascade.Graph, audience, counts, 10, AmplifierRanking.MarginalReach);
        var byDownstream = Amplifiers.Rank(cascade.Graph, audience, counts, 2, AmplifierRanking.Downstream);

        // Reached by the author: b, x. b adds c, d, y (3); c adds e (1); d adds z, q (2); e nothing.
        Assert.Equal(["rb:3:3", "rd:2:1", "rc:1:0", "re:0:0"], byReach.Amplifiers.Select(a => $"{a.PostId}:{a.MarginalReach}:{a.Downstream}"));
        Assert.Equal(["rb", "rd"], byDownstream.Amplifiers.Select(a => a.PostId));
        Assert.Equal(4, byReach.Amplifiers[0].Followers);
        Assert.Equal("inferred", byReach.Amplifiers[0].Attribution);
    }

    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
