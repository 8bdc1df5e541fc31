using QuikGraph;
using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;

namespace Reach.Analysis.Export;

/// <summary>
/// A cascade as flat per-node arrays (node 0 is the root): what the exports write and what a
/// graph library can load.
/// </summary>
public sealed record CascadeExport(
    string RootPostId,
    string[] PostIds,
    string[] AccountIds,
    int[] Parents,
    long[] Times,
    NodeKind[] Kinds,
    Attribution[] Attributions)
{
    public int NodeCount => PostIds.Length;

    /// <param name="audience">The attributed tree; without it, the parents the events named.</param>
    public static CascadeExport From(CascadeGraph graph, CascadeAudience? audience = null)
    {
        var n = graph.NodeCount;
        var postIds = new string[n];
        var accountIds = new string[n];
        var kinds = new NodeKind[n];
        var attributions = new Attribution[n];
        var accountNames = new string[graph.Accounts.Count];
        for (var a = 0; a < accountNames.Length; a++)
        {
            accountNames[a] = graph.Accounts[a];
        }

        for (var i = 0; i < n; i++)
        {
            postIds[i] = graph.Ids[i];
            accountIds[i] = accountNames[graph.AccountOf[i]];
            kinds[i] = graph.KindOf(i);
            attributions[i] = audience is not null && i < audience.Attributions.Length ? audience.Attributions[i] : graph.AttributionOf(i);
        }

        // An analysis of an earlier version covers the nodes it knew; later ones keep their named parents.
        var parents = graph.Parents.ToArray();
        audience?.Parents.AsSpan(0, Math.Min(n, audience.Parents.Length)).CopyTo(parents);
        return new CascadeExport(graph.RootPostId, postIds, accountIds, parents, graph.Times.ToArray(), kinds, attributions);
    }

    /// <summary>Depth of every node (hops from the root).</summary>
    public int[] Depths()
    {
        var order = new int[NodeCount];
        CascadeMetricsCalculator.TopologicalOrder(Parents, order);
        var depths = new int[NodeCount];
        foreach (var node in order.AsSpan(1))
        {
            depths[node] = depths[Parents[node]] + 1;
        }

        return depths;
    }

    /// <summary>The cascade as a QuikGraph graph: vertices are node indices, edges point parent → child.</summary>
    public AdjacencyGraph<int, TaggedEdge<int, Attribution>> ToGraph()
    {
        var graph = new AdjacencyGraph<int, TaggedEdge<int, Attribution>>(allowParallelEdges: false, NodeCount);
        graph.AddVertexRange(Enumerable.Range(0, NodeCount));
        for (var i = 1; i < NodeCount; i++)
        {
            graph.AddEdge(new TaggedEdge<int, Attribution>(Parents[i], i, Attributions[i]));
        }

        return graph;
    }

    public static string KindName(NodeKind kind) => kind switch
    {
        NodeKind.Post => "post",
        NodeKind.Repost => "repost",
        NodeKind.Quote => "quote",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string AttributionName(Attribution attribution) => attribution switch
    {
        Attribution.Explicit => "explicit",
        Attribution.Root => "root",
        Attribution.Inferred => "inferred",
        _ => throw new ArgumentOutOfRangeException(nameof(attribution)),
    };
}
