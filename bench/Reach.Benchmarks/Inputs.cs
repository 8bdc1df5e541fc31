using Reach.Analysis.Cascades;
using Reach.Analysis.Events;
using Reach.Analysis.Synthetic;

namespace Reach.Benchmarks;

/// <summary>Deterministic inputs for every benchmark: one synthetic cascade per size, fixed seed.</summary>
public static class Inputs
{
    public const int Seed = 42;

    public static SyntheticOptions Options(int nodes, bool shuffle = false, bool includeAccounts = false) => new()
    {
        Nodes = nodes,
        Seed = Seed,
        Shuffle = shuffle,
        IncludeAccounts = includeAccounts,
    };

    /// <summary>The cascade's <c>post</c> and <c>repost</c> events, in time order or shuffled.</summary>
    public static ReachEvent[] NodeEvents(int nodes, bool shuffle = false) =>
        [.. SyntheticCascadeGenerator.Generate(Options(nodes, shuffle))];

    /// <summary>
    /// The cascade built through <see cref="CascadeGraphBuilder.FromEvents"/>, and f(u) per account index
    /// of the graph (from the generator's <c>account</c> events), as the cascade grain would pass them.
    /// </summary>
    public static (CascadeGraph Graph, long[] Followers) Graph(int nodes, bool shuffle = false)
    {
        var events = SyntheticCascadeGenerator.Generate(Options(nodes, shuffle, includeAccounts: true)).ToList();
        var graph = CascadeGraphBuilder.FromEvents(events).Values.Single();
        var followers = new long[graph.Accounts.Count];
        Array.Fill(followers, -1);
        foreach (var e in events)
        {
            if (e.Type == EventType.Account && graph.Accounts.IndexOf(e.AccountId!) is var index and >= 0)
            {
                followers[index] = e.Followers!.Value;
            }
        }

        return (graph, followers);
    }

    /// <summary>True when every node's parent index is below its own (the fast, identity-order path of the calculator).</summary>
    public static bool ParentsFirst(CascadeGraph graph)
    {
        var parents = graph.Parents;
        for (var i = 1; i < parents.Length; i++)
        {
            if (parents[i] >= i)
            {
                return false;
            }
        }

        return true;
    }
}
