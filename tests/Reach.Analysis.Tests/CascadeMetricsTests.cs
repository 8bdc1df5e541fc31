using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;
using static Reach.Analysis.Tests.TreeBuilder;

namespace Reach.Analysis.Tests;

public sealed class CascadeMetricsTests
{
    [Fact]
    public void A_lone_post_has_size_one_depth_zero_and_no_virality()
    {
        var metrics = CascadeMetricsCalculator.Compute(Build("p"));

        Assert.Equal(1, metrics.Size);
        Assert.Equal(0, metrics.Reposts);
        Assert.Equal(1, metrics.Participants);
        Assert.Equal(0, metrics.Depth);
        Assert.Equal(1, metrics.MaxBreadth);
        Assert.Null(metrics.StructuralVirality);
        Assert.Null(metrics.LargestBroadcastShare);
        Assert.Null(metrics.MeanOffspring);
        Assert.Null(metrics.HalfLifeSeconds);
        Assert.All(metrics.TimeToReposts.Values, Assert.Null);
        Assert.Equal(0, metrics.VelocityPerHour);
    }

    [Fact]
    public void A_star_of_four_reposts_has_virality_one_point_six()
    {
        // Pairs: 4 root–leaf pairs at distance 1, 6 leaf–leaf pairs at distance 2: 16 / 10 = 1.6.
        var metrics = CascadeMetricsCalculator.Compute(Build("p",
            ("a", null, "A", 60), ("b", null, "B", 120), ("c", null, "C", 180), ("d", null, "D", 240)));

        Assert.Equal(5, metrics.Size);
        Assert.Equal(1, metrics.Depth);
        Assert.Equal(4, metrics.MaxBreadth);
        Assert.Equal(1.6, metrics.StructuralVirality!.Value, 12);
        Assert.Equal(1.0, metrics.LargestBroadcastShare);
        Assert.Equal(4.0, metrics.MeanOffspring);
    }

    [Fact]
    public void A_chain_has_virality_n_plus_one_over_three()
    {
        var metrics = CascadeMetricsCalculator.Compute(Build("p",
            ("a", "p", "A", 60), ("b", "a", "B", 120), ("c", "b", "C", 180)));

        Assert.Equal(3, metrics.Depth);
        Assert.Equal(1, metrics.MaxBreadth);
        Assert.Equal(5.0 / 3.0, metrics.StructuralVirality!.Value, 12);
        Assert.Equal(1.0 / 3.0, metrics.LargestBroadcastShare!.Value, 12);
        Assert.Equal(1.0, metrics.MeanOffspring);
    }

    [Fact]
    public void A_bushy_tree_matches_its_hand_computed_metrics()
    {
        // p ─ a ─ c ─ g        subtree sizes: a 5, b 2, c 2, d e f g 1
        //   │   ├ d            W = 5·3 + 2·6 + 2·6 + 4·(1·7) = 67, ν = 2·67 / (8·7)
        //   │   └ e
        //   └ b ─ f
        var graph = Build("p",
            ("a", null, "A", 10), ("b", null, "B", 20), ("c", "a", "C", 30), ("d", "a", "D", 40),
            ("e", "a", "B", 50), ("f", "b", "F", 3600), ("g", "c", "G", 7200));
        graph.AddLike("L1", "p");
        graph.AddLike("L1", "p");
        graph.AddLike("L2", "c");
        graph.AddReply("r1");

        var metrics = CascadeMetricsCalculator.Compute(graph);

        Assert.Equal(8, metrics.Size);
        Assert.Equal(7, metrics.Reposts);
        Assert.Equal(7, metrics.Participants); // author + A B C D F G; B reposted twice
        Assert.Equal(3, metrics.Depth);
        Assert.Equal(4, metrics.MaxBreadth);
        Assert.Equal(134.0 / 56.0, metrics.StructuralVirality!.Value, 12);
        Assert.Equal(3.0 / 7.0, metrics.LargestBroadcastShare!.Value, 12);
        Assert.Equal(7.0 / 4.0, metrics.MeanOffspring);
        Assert.Equal(2, metrics.Likes);
        Assert.Equal(1, metrics.Replies);
        Assert.Equal(10.0, metrics.TimeToReposts["1"]);
        Assert.Null(metrics.TimeToReposts["10"]);
        Assert.Equal(40.0, metrics.HalfLifeSeconds); // the ⌈7/2⌉ = 4th repost
        Assert.Equal(1, metrics.VelocityPerHour); // only g lies in (7200 s − 1 h, 7200 s]
    }

    [Fact]
    public void Velocity_counts_the_reposts_of_the_last_hour_without_the_one_exactly_an_hour_before_the_latest_in_any_arrival_order()
    {
        // Latest 7200 s; (3600, 7200] holds 3601, 4000, 5000, 7199 and 7200: five. The three at
        // 3600 s exactly and those before lie outside. Each rotation puts every time at another place.
        double[] seconds = [3600, 3601, 7200, 100, 3600, 5000, 3599, 7199, 3600, 4000];
        for (var rotation = 0; rotation < seconds.Length; rotation++)
        {
            var nodes = seconds.Skip(rotation).Concat(seconds.Take(rotation))
                .Select((s, i) => ($"n{i}", (string?)null, $"acct{i}", s))
                .ToArray();

            var metrics = CascadeMetricsCalculator.Compute(Build("p", nodes));

            Assert.Equal(5, metrics.VelocityPerHour);
            Assert.Equal(100.0, metrics.TimeToReposts["1"]);
            Assert.Equal(7200.0, metrics.TimeToReposts["10"]);
            Assert.Equal(3600.0, metrics.HalfLifeSeconds); // the 5th of 100, 3599, 3600, 3600, 3600, 3601, …
        }
    }

    [Theory]
    [InlineData(40_000)] // too many for a plain quickselect: the histogram selection
    [InlineData(530_000)] // enough for one pass over the times
    public void Velocity_and_time_ranks_of_a_large_cascade_are_the_counts_by_hand_in_any_arrival_order(int reposts)
    {
        // Reposts at 1, 2, …, R s and two more at R − 3,600 s, an hour before the latest: the last
        // hour, (R − 3,600, R], holds 3,600. Of R + 2 reposts the half rank is the (R/2 + 1)-th, at R/2 + 1 s.
        var scrambled = Enumerable.Range(0, reposts).Select(i => (int)((long)i * 7_919 % reposts) + 1).Concat([reposts - 3_600, reposts - 3_600]).ToArray();
        var inOrder = scrambled.Order().ToArray();
        var oneLate = (int[])inOrder.Clone();
        (oneLate[500], oneLate[501]) = (oneLate[501], oneLate[500]);

        // The largest times at every place a sample of 4,096 of them would look: its brackets miss.
        var stride = scrambled.Length / 4_096;
        var largestFirst = inOrder.Reverse().ToArray();
        var misleading = new int[scrambled.Length];
        var (fromSmallest, fromLargest) = (0, 0);
        for (var i = 0; i < misleading.Length; i++)
        {
            misleading[i] = i % stride == 0 && i / stride < 4_096 ? largestFirst[fromLargest++] : inOrder[fromSmallest++];
        }

        foreach (var arrival in new[] { scrambled, inOrder, oneLate, misleading })
        {
            var nodes = arrival.Select((s, i) => ($"n{i}", (string?)null, $"acct{i}", (double)s)).ToArray();

            var metrics = CascadeMetricsCalculator.Compute(Build("p", nodes));

            Assert.Equal(3_600, metrics.VelocityPerHour);
            Assert.Equal(1.0, metrics.TimeToReposts["1"]);
            Assert.Equal(10.0, metrics.TimeToReposts["10"]);
            Assert.Equal(100.0, metrics.TimeToReposts["100"]);
            Assert.Equal(1000.0, metrics.TimeToReposts["1000"]);
            Assert.Equal((reposts / 2) + 1.0, metrics.HalfLifeSeconds);
            Assert.Equal(reposts, (metrics.LatestAt!.Value - RootTime).TotalSeconds);
        }
    }

    [Fact]
    public void Time_ranks_count_reposts_in_time_order_not_arrival_order()
    {
        var nodes = Enumerable.Range(1, 1200)
            .Select(i => ($"n{i}", (string?)null, $"acct{i}", (double)((i * 7919) % 1201)))
            .ToArray();
        var metrics = CascadeMetricsCalculator.Compute(Build("p", nodes));

        var sorted = nodes.Select(n => n.Item4).Order().ToArray();
        Assert.Equal(sorted[0], metrics.TimeToReposts["1"]);
        Assert.Equal(sorted[9], metrics.TimeToReposts["10"]);
        Assert.Equal(sorted[99], metrics.TimeToReposts["100"]);
        Assert.Equal(sorted[999], metrics.TimeToReposts["1000"]);
        Assert.Equal(sorted[599], metrics.HalfLifeSeconds);
    }

    [Fact]
    public void Exposure_sums_follower_counts_over_nodes_and_counts_repeat_reposters_again()
    {
        var graph = Build("p", ("a", null, "A", 10), ("b", null, "B", 20), ("c", null, "A", 30));
        // Accounts are numbered in arrival order: author 0, A 1, B 2.
        var metrics = CascadeMetricsCalculator.Compute(graph, [300, 10, -1]);

        Assert.Equal(300, metrics.AuthorAudience);
        Assert.Equal(300 + 10 + 10, metrics.Exposure);
        Assert.Equal(1, metrics.NodesWithUnknownAudience);
    }

    [Fact]
    public void Structural_virality_equals_the_mean_breadth_first_distance_on_random_trees()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var random = new Random(seed);
            var n = random.Next(2, 120);
            var nodes = Enumerable.Range(1, n - 1)
                .Select(i => ($"n{i}", (string?)(random.Next(i) is var p && p == 0 ? "p" : $"n{p}"), $"a{i}", (double)i))
                .ToArray();
            var graph = Build("p", nodes);

            var metrics = CascadeMetricsCalculator.Compute(graph);

            Assert.Equal(BruteForce.MeanDistance(Export.CascadeExport.From(graph)), metrics.StructuralVirality!.Value, 9);
        }
    }

    [Fact]
    public void A_tree_deeper_than_the_level_table_gets_the_same_depth_breadth_and_virality_in_arrival_and_reversed_order()
    {
        // p and each of the chain c1 … c600 carry two leaves: every level d from 1 to 600 holds
        // c_d and the two leaves of c_(d−1), three nodes; level 601 holds the two leaves of c600.
        const int Chain = 600;
        var nodes = new List<(string Id, string? Parent, string Account, double Seconds)>();
        for (var i = 0; i <= Chain; i++)
        {
            string? holder = i == 0 ? null : $"c{i}";
            if (i > 0)
            {
                nodes.Add((holder!, i == 1 ? null : $"c{i - 1}", $"C{i}", i));
            }

            nodes.Add(($"x{i}", holder, $"X{i}", i + 0.25));
            nodes.Add(($"y{i}", holder, $"Y{i}", i + 0.5));
        }

        var inArrivalOrder = Build("p", [.. nodes]);
        var reversed = Build("p", [.. Enumerable.Reverse(nodes)]);
        var expectedVirality = BruteForce.MeanDistance(Export.CascadeExport.From(inArrivalOrder));

        foreach (var graph in new[] { inArrivalOrder, reversed })
        {
            var metrics = CascadeMetricsCalculator.Compute(graph);

            Assert.Equal(1 + Chain + (2 * (Chain + 1)), metrics.Size);
            Assert.Equal(Chain + 1, metrics.Depth);
            Assert.Equal(3, metrics.MaxBreadth);
            Assert.Equal(expectedVirality, metrics.StructuralVirality!.Value, 9);
            Assert.Equal(3.0 / (metrics.Size - 1), metrics.LargestBroadcastShare!.Value, 12);
            Assert.Equal((metrics.Size - 1) / (double)(Chain + 1), metrics.MeanOffspring);
            Assert.Equal(0.25, metrics.TimeToReposts["1"]);
            Assert.Equal(Chain + 0.5, (metrics.LatestAt!.Value - RootTime).TotalSeconds);
            Assert.Equal(metrics.Size - 1, metrics.VelocityPerHour);
        }
    }

    [Fact]
    public void Two_reposts_that_arrive_before_a_300_repost_chain_they_hang_from_get_the_shape_of_the_whole_tree()
    {
        // x names c300 and y names c299, the two deepest posts of the chain p ─ c1 ─ … ─ c300,
        // and both arrive first: reaching their parents means climbing nearly the whole chain twice.
        const int Chain = 300;
        var nodes = new List<(string Id, string? Parent, string Account, double Seconds)>
        {
            ("x", $"c{Chain}", "X", Chain + 1),
            ("y", $"c{Chain - 1}", "Y", Chain + 2),
        };
        nodes.AddRange(Enumerable.Range(1, Chain).Select(i => ($"c{i}", i == 1 ? null : $"c{i - 1}", $"C{i}", (double)i)));

        var graph = Build("p", [.. nodes]);
        var metrics = CascadeMetricsCalculator.Compute(graph);

        Assert.Equal(Chain + 1, metrics.Depth);
        Assert.Equal(2, metrics.MaxBreadth); // c300 and y
        Assert.Equal(BruteForce.MeanDistance(Export.CascadeExport.From(graph)), metrics.StructuralVirality!.Value, 9);
        Assert.Equal(2.0 / (Chain + 2), metrics.LargestBroadcastShare!.Value, 12);
        Assert.Equal((Chain + 2) / (double)(Chain + 1), metrics.MeanOffspring);
    }

    [Fact]
    public void An_attributed_tree_whose_parents_form_a_cycle_is_refused_rather_than_walked_forever()
    {
        var graph = Build("p", [.. Enumerable.Range(1, 199).Select(i => ($"n{i}", i == 1 ? (string?)null : $"n{i - 1}", $"a{i}", (double)i))]);
        var audience = CascadeAudienceCalculator.Compute(graph, default, new AccountAudience?[graph.Accounts.Count]);

        // Node 10 under 11 and 11 under 10; node 5 under 20 while 20 and 21 hang from each other.
        foreach (var tamper in new Action<int[]>[] { p => (p[10], p[11]) = (11, 10), p => (p[5], p[20], p[21]) = (20, 21, 20) })
        {
            var parents = (int[])audience.Parents.Clone();
            tamper(parents);
            var cyclic = new CascadeAudience { Parents = parents, Attributions = audience.Attributions, MarginalReach = audience.MarginalReach, Reach = audience.Reach };

            var computing = Task.Run(() => CascadeMetricsCalculator.Compute(graph, default, cyclic), TestContext.Current.CancellationToken);

            Assert.True(((IAsyncResult)computing).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the computation did not end");
            Assert.IsType<InvalidOperationException>(computing.Exception?.InnerException);
        }
    }

    [Fact]
    public void Edges_are_explicit_only_once_the_named_parent_has_arrived_and_quotes_are_counted_apart()
    {
        var graph = new CascadeGraph("p");
        graph.SetRoot("author", At(0));
        graph.AddNode("a", "A", "p", At(10), NodeKind.Repost);
        graph.AddNode("b", "B", null, At(20), NodeKind.Repost);
        graph.AddNode("c", "C", "late", At(30), NodeKind.Repost);
        graph.AddNode("q", "Q", "a", At(40), NodeKind.Quote);

        var before = CascadeMetricsCalculator.Compute(graph);
        graph.AddNode("late", "L", null, At(50), NodeKind.Repost);
        var after = CascadeMetricsCalculator.Compute(graph);

        Assert.Equal(new AttributionCounts(2, 0, 2), before.Attribution); // a and q explicit; b named none, c's parent is missing
        Assert.Equal(1, before.UnresolvedParents);
        Assert.Equal(new AttributionCounts(3, 0, 2), after.Attribution); // c now under late; late named none
        Assert.Equal(0, after.UnresolvedParents);
        Assert.Equal(2, after.Depth);
        Assert.Equal((1, 1), (before.Quotes, after.Quotes));
    }

    [Fact]
    public void A_tree_not_numbered_parents_first_is_ordered_breadth_first_with_each_nodes_children_in_index_order()
    {
        int[] small = [-1, 3, 0, 0, 2, 3];
        var order = new int[small.Length];
        Assert.False(CascadeMetricsCalculator.TopologicalOrder(small, order));
        Assert.Equal([0, 2, 3, 4, 1, 5], order);

        var random = new Random(11);
        foreach (var n in new[] { 2, 3, 17, 1000, 5000, 300_000, (1 << 20) + 3 })
        {
            // A random tree numbered parents first, then numbered again at random.
            var number = Enumerable.Range(1, n - 1).OrderBy(_ => random.Next()).Prepend(0).ToArray();
            var parents = new int[n];
            parents[0] = -1;
            for (var v = 1; v < n; v++)
            {
                parents[number[v]] = number[random.Next(v)];
            }

            var isParentsFirst = Enumerable.Range(1, n - 1).All(v => parents[v] < v);
            var actual = new int[n];

            Assert.Equal(isParentsFirst, CascadeMetricsCalculator.TopologicalOrder(parents, actual));
            Assert.Equal(isParentsFirst ? [.. Enumerable.Range(0, n)] : PlainBreadthFirst(parents), actual);
        }

        int[] parentsFirstTree = [-1, 0, 0, 1, 1, 2];
        Assert.True(CascadeMetricsCalculator.TopologicalOrder(parentsFirstTree, order));
        Assert.Equal([0, 1, 2, 3, 4, 5], order);
    }

    /// <summary>A queue from the root, each node's children taken in index order.</summary>
    private static int[] PlainBreadthFirst(int[] parents)
    {
        var children = Enumerable.Range(0, parents.Length).Select(_ => new List<int>()).ToArray();
        for (var v = 1; v < parents.Length; v++)
        {
            children[parents[v]].Add(v);
        }

        var order = new List<int>();
        var queue = new Queue<int>([0]);
        while (queue.TryDequeue(out var v))
        {
            order.Add(v);
            foreach (var child in children[v])
            {
                queue.Enqueue(child);
            }
        }

        return [.. order];
    }
}
