using Reach.Analysis.Cascades;
using Reach.Analysis.Events;
using Reach.Analysis.Synthetic;

namespace Reach.Analysis.Tests;

public sealed class OrderIndependenceTests
{
    [Fact]
    public void Shuffled_and_duplicated_event_streams_give_the_metrics_of_the_ordered_stream()
    {
        for (var seed = 1; seed <= 40; seed++)
        {
            var events = SyntheticCascadeGenerator.Generate(new SyntheticOptions { Nodes = 300, Seed = seed }).ToList();
            var expected = MetricsOf(events);

            var random = new Random(seed);
            var noisy = events.Concat(events.Where(_ => random.NextDouble() < 0.3)).ToArray();
            random.Shuffle(noisy);

            Assert.Equal(expected, MetricsOf(noisy), MetricsComparer.Instance);
        }
    }

    [Fact]
    public void Reversed_streams_with_explicit_parents_give_the_same_tree()
    {
        var events = SyntheticCascadeGenerator.Generate(new SyntheticOptions { Nodes = 2_000, Seed = 7 }).ToList();
        var ordered = CascadeGraphBuilder.FromEvents(events).Values.Single();
        var reversed = CascadeGraphBuilder.FromEvents(Enumerable.Reverse(events)).Values.Single();

        Assert.Equal(0, reversed.UnresolvedCount);
        Assert.Equal(CascadeMetricsCalculator.Compute(ordered), CascadeMetricsCalculator.Compute(reversed), MetricsComparer.Instance);
    }

    [Fact]
    public void A_cascade_large_enough_for_the_parallel_shape_pass_and_child_lists_sorted_on_two_cores_gets_the_depth_breadth_and_virality_of_a_plain_walk()
    {
        var events = SyntheticCascadeGenerator.Generate(new SyntheticOptions { Nodes = 300_000, Seed = 3 }).ToArray();
        var shuffled = events.ToArray();
        new Random(3).Shuffle(shuffled);

        foreach (var stream in new[] { events, shuffled })
        {
            var graph = CascadeGraphBuilder.FromEvents(stream).Values.Single();
            var metrics = CascadeMetricsCalculator.Compute(graph);

            var (depth, maxBreadth, virality) = PlainWalk(graph.Parents.ToArray());
            Assert.Equal(300_000, metrics.Size);
            Assert.Equal(depth, metrics.Depth);
            Assert.Equal(maxBreadth, metrics.MaxBreadth);
            Assert.Equal(virality, metrics.StructuralVirality!.Value, 9);
        }
    }

    [Theory]
    [InlineData(2_000)]
    [InlineData(20_000)]
    [InlineData(300_000)]
    public void A_stream_in_which_a_few_reposts_arrive_just_before_the_post_they_name_gives_the_metrics_of_the_ordered_stream(int nodes)
    {
        var events = SyntheticCascadeGenerator.Generate(new SyntheticOptions { Nodes = nodes, Seed = 9 }).ToList();
        var expected = MetricsOf(events);

        // One repost in 200 (of those naming another repost) moves to just before its parent, or
        // before where its parent moved to: late reposts under late reposts included.
        var arrival = SyntheticCascadeGenerator.WithLateParents(events, 200, nodes);
        var graph = CascadeGraphBuilder.FromEvents(arrival).Values.Single();
        var parents = graph.Parents.ToArray();
        var late = Enumerable.Range(1, nodes - 1).Count(v => parents[v] > v);

        Assert.InRange(late, 2, nodes / 64);
        Assert.Equal(expected, CascadeMetricsCalculator.Compute(graph), MetricsComparer.Instance);
    }

    /// <summary>Depths by climbing to the root, subtree sizes added up deepest first: no order is assumed.</summary>
    private static (int Depth, int MaxBreadth, double Virality) PlainWalk(int[] parents)
    {
        var n = parents.Length;
        var depths = new int[n];
        for (var v = 0; v < n; v++)
        {
            for (var u = v; parents[u] >= 0; u = parents[u])
            {
                depths[v]++;
            }
        }

        var sizes = Enumerable.Repeat(1L, n).ToArray();
        foreach (var v in Enumerable.Range(0, n).OrderByDescending(v => depths[v]).Where(v => parents[v] >= 0))
        {
            sizes[parents[v]] += sizes[v];
        }

        var wiener = Enumerable.Range(0, n).Where(v => parents[v] >= 0).Sum(v => (double)sizes[v] * (n - sizes[v]));
        return (depths.Max(), depths.GroupBy(d => d).Max(g => g.Count()), 2 * wiener / ((double)n * (n - 1)));
    }

    private static CascadeMetrics MetricsOf(IEnumerable<ReachEvent> events) =>
        CascadeMetricsCalculator.Compute(CascadeGraphBuilder.FromEvents(events).Values.Single());
}
