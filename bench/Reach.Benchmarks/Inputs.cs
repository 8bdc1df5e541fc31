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
    public static (CascadeGraph Graph, long[] Followers) Graph(int nodes, bool shuffle = false) =>
        Built([.. SyntheticCascadeGenerator.Generate(Options(nodes, shuffle, includeAccounts: true))]);

    /// <summary>
    /// As <see cref="Graph"/> from the time-ordered stream, but with one repost in 200 (of those
    /// naming another repost) arriving before its parent (<see cref="SyntheticCascadeGenerator.WithLateParents"/>).
    /// </summary>
    public static (CascadeGraph Graph, long[] Followers) LateParentGraph(int nodes) =>
        Built(SyntheticCascadeGenerator.WithLateParents([.. SyntheticCascadeGenerator.Generate(Options(nodes, includeAccounts: true))], 200, Seed));

    private static (CascadeGraph Graph, long[] Followers) Built(List<ReachEvent> events)
    {
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

    /// <summary>
    /// A root and one repost per reposter, a second apart, none naming its parent; each reposter
    /// follows three earlier accounts at random. Returns per account index the indexes of the
    /// accounts that follow it, ascending.
    /// </summary>
    public static (CascadeGraph Graph, int[][] FollowedBy) ParentlessCascade(int reposters)
    {
        var graph = new CascadeGraph("root", reposters + 1);
        graph.SetRoot("account-0", 0);
        for (var r = 1; r <= reposters; r++)
        {
            graph.AddNode($"repost-{r}", $"account-{r}", null, r * TimeSpan.TicksPerSecond, NodeKind.Repost);
        }

        var random = new Random(Seed);
        var followedBy = new List<int>[graph.Accounts.Count];
        for (var a = 0; a < followedBy.Length; a++)
        {
            followedBy[a] = [];
        }

        for (var follower = 1; follower < followedBy.Length; follower++)
        {
            for (var k = 0; k < 3; k++)
            {
                followedBy[random.Next(follower)].Add(follower);
            }
        }

        return (graph, [.. followedBy.Select(by => by.Distinct().Order().ToArray())]);
    }
}
