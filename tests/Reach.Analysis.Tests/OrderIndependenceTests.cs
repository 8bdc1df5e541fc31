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

    private static CascadeMetrics MetricsOf(IEnumerable<ReachEvent> events) =>
        CascadeMetricsCalculator.Compute(CascadeGraphBuilder.FromEvents(events).Values.Single());
}
