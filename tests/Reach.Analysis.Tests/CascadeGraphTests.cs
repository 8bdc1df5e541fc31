using Reach.Analysis.Cascades;
using Reach.Analysis.Export;
using static Reach.Analysis.Tests.TreeBuilder;

namespace Reach.Analysis.Tests;

public sealed class CascadeGraphTests
{
    [Fact]
    public void A_repost_that_arrives_before_its_parent_moves_under_the_parent_when_it_arrives()
    {
        var graph = new CascadeGraph("p");
        graph.AddNode("b", "B", "a", At(20), NodeKind.Repost);

        Assert.Equal(1, graph.UnresolvedCount);
        Assert.Equal(0, graph.Parents[graph.IndexOf("b")]);

        graph.AddNode("a", "A", "p", At(10), NodeKind.Repost);
        graph.SetRoot("author", At(0));

        Assert.Equal(0, graph.UnresolvedCount);
        Assert.Equal(graph.IndexOf("a"), graph.Parents[graph.IndexOf("b")]);
        Assert.Equal(2, CascadeMetricsCalculator.Compute(graph).Depth);
    }

    [Fact]
    public void A_copy_keeps_the_cascade_as_it_was_while_the_original_takes_more_reposts_and_late_parents()
    {
        var graph = new CascadeGraph("p");
        graph.SetRoot("author", At(0));
        graph.AddNode("b", "B", "a", At(20), NodeKind.Repost);
        graph.AddNode("c", "C", "p", At(30), NodeKind.Repost);
        var before = CascadeMetricsCalculator.Compute(graph);

        var copy = graph.Clone();
        graph.AddNode("a", "A", "p", At(10), NodeKind.Repost);
        for (var i = 0; i < 100; i++)
        {
            graph.AddNode($"r{i}", $"R{i}", "c", At(40 + i), NodeKind.Repost);
        }

        Assert.Equal(before, CascadeMetricsCalculator.Compute(copy), MetricsComparer.Instance);
        Assert.Equal((3, 1), (copy.NodeCount, copy.UnresolvedCount));
        Assert.Equal(["author", "B", "C"], copy.Accounts.Ids());
        Assert.Equal(-1, copy.IndexOf("r0"));
        Assert.Equal((104, 0, 2), (graph.NodeCount, graph.UnresolvedCount, CascadeMetricsCalculator.Compute(graph).Depth));
    }

    [Fact]
    public void The_same_repost_twice_is_a_duplicate_and_with_other_fields_a_conflict()
    {
        var graph = Build("p", ("a", null, "A", 10));

        Assert.Equal(AddOutcome.Duplicate, graph.AddNode("a", "A", "p", At(10), NodeKind.Repost).Outcome);
        Assert.Equal(AddOutcome.Conflict, graph.AddNode("a", "Z", "p", At(10), NodeKind.Repost).Outcome);
        Assert.Equal(AddOutcome.Conflict, graph.AddNode("a", "A", "p", At(11), NodeKind.Repost).Outcome);
        Assert.Equal(AddOutcome.Conflict, graph.AddNode("p", "A", null, At(11), NodeKind.Repost).Outcome);
        Assert.Equal(2, graph.NodeCount);
    }

    [Fact]
    public void A_parent_chain_that_closes_a_cycle_is_refused()
    {
        var graph = new CascadeGraph("p");
        graph.SetRoot("author", At(0));
        Assert.Equal(AddOutcome.Added, graph.AddNode("a", "A", "c", At(10), NodeKind.Repost).Outcome);
        Assert.Equal(AddOutcome.Added, graph.AddNode("b", "B", "a", At(20), NodeKind.Repost).Outcome);

        Assert.Equal(AddOutcome.Cycle, graph.AddNode("c", "C", "b", At(30), NodeKind.Repost).Outcome);
        Assert.Equal(AddOutcome.Cycle, graph.AddNode("s", "S", "s", At(30), NodeKind.Repost).Outcome);
        Assert.Equal(3, graph.NodeCount);
        Assert.Equal(AddOutcome.Added, graph.AddNode("c", "C", "p", At(30), NodeKind.Repost).Outcome);
        Assert.Equal(3, CascadeMetricsCalculator.Compute(graph).Depth);
    }

    [Fact]
    public void Cycles_within_one_batch_are_found_without_changing_the_graph()
    {
        var graph = new CascadeGraph("p");
        graph.AddNode("x", "X", "y", At(5), NodeKind.Repost);

        var cycles = graph.FindCycles([("a", "b"), ("b", "a"), ("y", "x"), ("c", "p"), ("d", "c")]);

        Assert.Equal([1, 2], cycles);
        Assert.Equal(2, graph.NodeCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_batch_candidate_closes_a_cycle_exactly_when_its_parents_lead_back_to_it(int seed)
    {
        var random = new Random(seed);
        string Id() => $"n{random.Next(12)}";
        for (var round = 0; round < 400; round++)
        {
            var graph = new CascadeGraph("p");
            var parentOf = new Dictionary<string, string?>();
            for (var i = random.Next(8); i > 0; i--)
            {
                var (post, parent) = (Id(), random.Next(4) == 0 ? "p" : Id());
                if (graph.AddNode(post, "A", parent, At(i), NodeKind.Repost).Outcome == AddOutcome.Added)
                {
                    parentOf[post] = parent;
                }
            }

            var batch = Enumerable.Range(0, random.Next(1, 10))
                .Select(_ => (Id(), random.Next(5) == 0 ? null : random.Next(4) == 0 ? "p" : Id()))
                .ToArray();

            // The model: a new id with a named parent closes a cycle when following declared parents
            // through what is stored and the batch accepted so far comes back to it.
            var expected = new List<int>();
            for (var i = 0; i < batch.Length; i++)
            {
                var (post, parent) = batch[i];
                if (parentOf.ContainsKey(post) || parent is null || parent == "p")
                {
                    parentOf.TryAdd(post, parent);
                    continue;
                }

                var name = parent;
                var steps = 0;
                while (name is not null && name != post && steps++ <= parentOf.Count)
                {
                    name = parentOf.GetValueOrDefault(name);
                }

                if (name == post)
                {
                    expected.Add(i);
                }
                else
                {
                    parentOf[post] = parent;
                }
            }

            Assert.Equal(expected, graph.FindCycles(batch));
        }
    }

    [Fact]
    public void Likes_and_replies_count_once_per_key()
    {
        var graph = Build("p", ("a", null, "A", 10));

        Assert.True(graph.AddLike("L", "p"));
        Assert.False(graph.AddLike("L", "p"));
        Assert.True(graph.AddLike("L", "a"));
        Assert.True(graph.AddReply("r"));
        Assert.False(graph.AddReply("r"));

        Assert.Equal(2, graph.LikeCount);
        Assert.Equal(1, graph.ReplyCount);
    }

    [Fact]
    public void The_latest_impressions_report_wins_whatever_the_arrival_order()
    {
        var graph = Build("p");
        graph.SetImpressions(500, At(100));
        graph.SetImpressions(200, At(50));

        Assert.Equal(500, graph.Impressions);
    }

    [Fact]
    public void A_snapshot_restores_an_identical_cascade_including_waiting_reposts()
    {
        var graph = Build("p", ("a", null, "A", 10), ("b", "a", "B", 20));
        graph.AddNode("d", "D", "c", At(40), NodeKind.Repost);
        graph.AddLike("L", "a");
        graph.AddReply("r");
        graph.SetImpressions(1000, At(60));

        var restored = CascadeGraph.FromSnapshot(graph.ToSnapshot());

        Assert.Equal(CascadeMetricsCalculator.Compute(graph), CascadeMetricsCalculator.Compute(restored), MetricsComparer.Instance);
        Assert.Equal(AddOutcome.Added, restored.AddNode("c", "C", "b", At(30), NodeKind.Repost).Outcome);
        Assert.Equal(0, restored.UnresolvedCount);
        Assert.Equal(4, CascadeMetricsCalculator.Compute(restored).Depth);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_snapshot_of_a_synthetic_cascade_restores_every_node_like_and_reply_and_is_a_third_of_the_flat_format(int seed)
    {
        var events = Reach.Analysis.Synthetic.SyntheticCascadeGenerator.Generate(
            new Reach.Analysis.Synthetic.SyntheticOptions { Nodes = 5000, Seed = seed, Shuffle = true, ExplicitParents = seed != 2 });
        var graph = CascadeGraphBuilder.FromEvents(events).Values.Single();
        graph.AddLike("liker", graph.RootPostId);
        graph.AddReply("a reply");
        graph.AddNode("waiting", "W", "not yet", At(5), NodeKind.Repost);

        var snapshot = graph.ToSnapshot();
        var restored = CascadeGraph.FromSnapshot(snapshot);

        Assert.Equivalent(CascadeExport.From(graph), CascadeExport.From(restored), strict: true);
        Assert.Equal((graph.LikeCount, graph.ReplyCount, graph.UnresolvedCount, graph.Version), (restored.LikeCount, restored.ReplyCount, restored.UnresolvedCount, restored.Version));
        Assert.Equal(CascadeMetricsCalculator.Compute(graph), CascadeMetricsCalculator.Compute(restored), MetricsComparer.Instance);
        Assert.True(snapshot.Length * 2 < graph.ToFlatSnapshot().Length, $"{snapshot.Length} bytes against {graph.ToFlatSnapshot().Length} flat");
    }

    [Fact]
    public void A_snapshot_in_the_flat_format_of_earlier_versions_still_restores()
    {
        var graph = Build("p", ("a", null, "A", 10), ("b", "a", "B", 20));
        graph.AddNode("d", "D", "c", At(40), NodeKind.Repost);
        graph.AddLike("L", "a");

        var restored = CascadeGraph.FromSnapshot(graph.ToFlatSnapshot());

        Assert.Equivalent(CascadeExport.From(graph), CascadeExport.From(restored), strict: true);
        Assert.Equal(AddOutcome.Added, restored.AddNode("c", "C", "b", At(30), NodeKind.Repost).Outcome);
    }

    [Fact]
    public void A_truncated_or_unknown_snapshot_is_refused_as_invalid_data()
    {
        var snapshot = Build("p", ("a", null, "A", 10), ("b", "a", "B", 20)).ToSnapshot();

        Assert.Throws<InvalidDataException>(() => CascadeGraph.FromSnapshot(snapshot[..^3]));
        Assert.Throws<InvalidDataException>(() => CascadeGraph.FromSnapshot([.. snapshot, 0]));
        Assert.Throws<InvalidDataException>(() => CascadeGraph.FromSnapshot([9, 0, 0, 0, .. snapshot[4..]]));
    }

    [Fact]
    public void The_export_lists_every_node_with_its_parent_and_attribution()
    {
        var graph = Build("p", ("a", null, "A", 10), ("b", "a", "B", 20));
        graph.AddNode("c", "C", null, At(30), NodeKind.Repost);

        var export = CascadeExport.From(graph);

        Assert.Equal(["p", "a", "b", "c"], export.PostIds);
        Assert.Equal([-1, 0, 1, 0], export.Parents);
        Assert.Equal([Attribution.Explicit, Attribution.Explicit, Attribution.Root], export.Attributions[1..]);
        Assert.Equal([0, 1, 2, 1], export.Depths());
    }
}

/// <summary>Compares metrics by value, including the dictionary of time ranks.</summary>
internal sealed class MetricsComparer : IEqualityComparer<CascadeMetrics>
{
    public static readonly MetricsComparer Instance = new();

    public bool Equals(CascadeMetrics? x, CascadeMetrics? y) =>
        x is not null && y is not null
        && x with { TimeToReposts = y.TimeToReposts } == y
        && x.TimeToReposts.OrderBy(p => p.Key).SequenceEqual(y.TimeToReposts.OrderBy(p => p.Key));

    public int GetHashCode(CascadeMetrics obj) => obj.Size;
}
