using System.Text;
using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;

namespace Reach.Analysis.Tests;

public sealed class AttributionTests
{
    [Fact]
    public void A_repost_without_a_parent_hangs_under_the_most_recent_earlier_node_whose_account_the_reposter_follows()
    {
        // b follows the author; c follows b; d follows nobody here; e follows the author and c.
        var cascade = new AudienceCase()
            .Repost("rb", "b", 10).Repost("rc", "c", 20).Repost("rd", "d", 30).Repost("re", "e", 40)
            .Followers("author", "b", "e").Followers("b", "c").Followers("c", "e").Followers("d").Followers("e");

        var audience = cascade.Compute();

        Assert.Equal(ParentAndKind(cascade, AudienceCase.Root, Attribution.Inferred), ParentAndKind(cascade, audience, "rb"));
        Assert.Equal(ParentAndKind(cascade, "rb", Attribution.Inferred), ParentAndKind(cascade, audience, "rc"));
        Assert.Equal(ParentAndKind(cascade, AudienceCase.Root, Attribution.Root), ParentAndKind(cascade, audience, "rd"));
        Assert.Equal(ParentAndKind(cascade, "rc", Attribution.Inferred), ParentAndKind(cascade, audience, "re"));
        Assert.Equal(new AttributionCounts(0, 3, 1), audience.AttributionCounts());
    }

    [Fact]
    public void A_followed_node_at_the_same_instant_is_not_earlier_and_ties_among_earlier_ones_go_to_the_larger_post_id()
    {
        var cascade = new AudienceCase()
            .Repost("r1", "x", 10).Repost("r2", "y", 10).Repost("r3", "z", 20).Repost("r4", "w", 10)
            .Followers("x", "z", "w").Followers("y", "z", "w").Followers("z").Followers("w");

        var audience = cascade.Compute();

        // r3 follows x and y, both reposted at second 10: the tie goes to the larger id, r2.
        Assert.Equal(cascade.Node("r2"), audience.Parents[cascade.Node("r3")]);

        // r4 follows them too but reposted at the same second: neither is earlier, so the root.
        Assert.Equal((0, Attribution.Root), (audience.Parents[cascade.Node("r4")], audience.Attributions[cascade.Node("r4")]));
    }

    [Fact]
    public void Reposts_stored_in_time_order_still_break_ties_of_the_same_instant_by_post_id_not_by_arrival()
    {
        // Stored in time order, the tie at second 10 arriving larger id first: rc's account z follows
        // x and y, and the most recent of their reposts in time order is the larger id, rb, not the
        // later arrival ra.
        var cascade = new AudienceCase()
            .Repost("rb", "y", 10).Repost("ra", "x", 10).Repost("rc", "z", 20)
            .Followers("x", "z").Followers("y", "z").Followers("z");

        var audience = cascade.Compute();

        Assert.Equal(cascade.Node("rb"), audience.Parents[cascade.Node("rc")]);
        Assert.Equal([0, cascade.Node("ra"), cascade.Node("rb"), cascade.Node("rc")], CascadeAudienceCalculator.TimeOrder(cascade.Graph));
    }

    [Fact]
    public void Named_parents_are_kept_and_a_named_parent_that_has_not_arrived_leaves_the_repost_under_the_root()
    {
        var cascade = new AudienceCase()
            .Repost("r1", "a", 10).Repost("r2", "b", 20, parent: AudienceCase.Root).Repost("r3", "c", 30, parent: "missing")
            .Followers("a", "b", "c");

        var audience = cascade.Compute();

        Assert.Equal((0, Attribution.Explicit), (audience.Parents[cascade.Node("r2")], audience.Attributions[cascade.Node("r2")]));
        Assert.Equal((0, Attribution.Root), (audience.Parents[cascade.Node("r3")], audience.Attributions[cascade.Node("r3")]));
        Assert.Equal(new AttributionCounts(1, 0, 2), audience.AttributionCounts());
    }

    [Fact]
    public void An_inferred_parent_never_closes_a_cycle_with_a_named_parent_that_is_later_in_time()
    {
        // r1 (second 10) names r2 (second 20) as its parent; r2 names none and follows only r1's account.
        var cascade = new AudienceCase()
            .Repost("r1", "a", 10, parent: "r2").Repost("r2", "b", 20)
            .Followers("a", "b");

        var audience = cascade.Compute();

        Assert.Equal(cascade.Node("r2"), audience.Parents[cascade.Node("r1")]);
        Assert.Equal((0, Attribution.Root), (audience.Parents[cascade.Node("r2")], audience.Attributions[cascade.Node("r2")]));
        Assert.Equal(2, CascadeMetricsCalculator.Compute(cascade.Graph, default, audience).Depth);
    }

    [Fact]
    public void Attribution_matches_a_brute_force_reference_on_hundreds_of_random_cascades()
    {
        for (var seed = 0; seed < 400; seed++)
        {
            var random = new Random(seed);
            var (cascade, follows) = RandomCase(random);
            var audience = cascade.Compute();
            var graph = cascade.Graph;
            for (var node = 1; node < graph.NodeCount; node++)
            {
                var expected = graph.ParentNamed(node) ? (graph.Parents[node], graph.AttributionOf(node)) : BruteForceParent(graph, follows, node);
                Assert.True(expected == (audience.Parents[node], audience.Attributions[node]),
                    $"seed {seed}, node {graph.Ids[node]}: expected {expected}, got ({audience.Parents[node]}, {audience.Attributions[node]})");
            }
        }
    }

    [Fact]
    public void Attribution_does_not_depend_on_the_order_the_reposts_arrived_in()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var (cascade, follows) = RandomCase(new Random(seed));
            var graph = cascade.Graph;
            var shuffled = new AudienceCase();
            var nodes = Enumerable.Range(1, graph.NodeCount - 1).ToArray();
            new Random(seed + 1000).Shuffle(nodes);
            foreach (var node in nodes)
            {
                var parent = graph.ParentNamed(node) ? graph.Ids[graph.Parents[node]] : null;
                shuffled.Repost(graph.Ids[node], graph.Accounts[graph.AccountOf[node]], (graph.Times[node] - TreeBuilder.At(0)) / (double)TimeSpan.TicksPerSecond, parent);
            }

            foreach (var (follower, followed) in follows)
            {
                shuffled.Follow(follower, followed);
                cascade.Follow(follower, followed);
            }

            var expected = Edges(cascade.Graph, cascade.Compute());
            var actual = Edges(shuffled.Graph, shuffled.Compute());
            Assert.Equal(expected, actual);
        }
    }

    private static (AudienceCase Case, HashSet<(string Follower, string Followed)> Follows) RandomCase(Random random)
    {
        var accounts = Enumerable.Range(0, random.Next(2, 10)).Select(i => $"acct{i}").Append("author").ToArray();
        var follows = new HashSet<(string, string)>();
        var density = random.NextDouble() * 0.6;
        foreach (var follower in accounts)
        {
            foreach (var followed in accounts)
            {
                if (follower != followed && random.NextDouble() < density)
                {
                    follows.Add((follower, followed));
                }
            }
        }

        var cascade = new AudienceCase();
        var ids = new List<(string Id, int Seconds)> { (AudienceCase.Root, 0) };
        var nodes = random.Next(1, 40);
        for (var i = 0; i < nodes; i++)
        {
            // Few distinct seconds, so that ties are common; ids in random order of their own.
            var seconds = random.Next(0, 15);
            var id = $"r{random.Next(1000):D3}-{i}";
            var earlier = ids.Where(n => n.Seconds <= seconds).ToList();
            string? parent = random.NextDouble() < 0.25 && earlier.Count > 0 ? earlier[random.Next(earlier.Count)].Id : null;
            cascade.Repost(id, accounts[random.Next(accounts.Length)], seconds, parent);
            ids.Add((id, seconds));
        }

        foreach (var (follower, followed) in follows)
        {
            cascade.Follow(follower, followed);
        }

        return (cascade, follows);
    }

    /// <summary>The spec's rule applied literally: scan every node for the most recent earlier one whose account the reposter follows.</summary>
    private static (int Parent, Attribution Kind) BruteForceParent(CascadeGraph graph, HashSet<(string, string)> follows, int node)
    {
        var reposter = graph.Accounts[graph.AccountOf[node]];
        var best = -1;
        for (var u = 0; u < graph.NodeCount; u++)
        {
            if (u == node || graph.Times[u] >= graph.Times[node] || !follows.Contains((reposter, graph.Accounts[graph.AccountOf[u]])))
            {
                continue;
            }

            if (best < 0 || graph.Times[u] > graph.Times[best]
                || (graph.Times[u] == graph.Times[best] && u != 0 && (best == 0 || Utf8Compare(graph.Ids[u], graph.Ids[best]) > 0)))
            {
                best = u;
            }
        }

        return best < 0 ? (0, Attribution.Root) : (best, Attribution.Inferred);
    }

    private static int Utf8Compare(string x, string y) => Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));

    private static SortedSet<string> Edges(CascadeGraph graph, CascadeAudience audience) =>
        [.. Enumerable.Range(1, graph.NodeCount - 1).Select(n => $"{graph.Ids[audience.Parents[n]]}->{graph.Ids[n]}:{audience.Attributions[n]}")];

    private static (int, Attribution) ParentAndKind(AudienceCase cascade, string parent, Attribution kind) => (cascade.Node(parent), kind);

    private static (int, Attribution) ParentAndKind(AudienceCase cascade, CascadeAudience audience, string node) =>
        (audience.Parents[cascade.Node(node)], audience.Attributions[cascade.Node(node)]);
}
