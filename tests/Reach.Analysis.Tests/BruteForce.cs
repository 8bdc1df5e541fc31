using QuikGraph;
using QuikGraph.Algorithms.Search;
using Reach.Analysis.Cascades;
using Reach.Analysis.Export;

namespace Reach.Analysis.Tests;

/// <summary>Independent, quadratic reference computations on QuikGraph.</summary>
internal static class BruteForce
{
    /// <summary>Mean hop distance over all ordered pairs, by a breadth-first search from every node.</summary>
    public static double MeanDistance(CascadeExport cascade)
    {
        var graph = new UndirectedGraph<int, Edge<int>>();
        graph.AddVertexRange(Enumerable.Range(0, cascade.NodeCount));
        foreach (var edge in cascade.ToGraph().Edges)
        {
            graph.AddEdge(new Edge<int>(edge.Source, edge.Target));
        }

        long total = 0;
        foreach (var source in graph.Vertices)
        {
            var distance = new Dictionary<int, int> { [source] = 0 };
            var bfs = new UndirectedBreadthFirstSearchAlgorithm<int, Edge<int>>(graph);
            bfs.TreeEdge += (_, args) =>
            {
                var from = distance.ContainsKey(args.Edge.Source) ? args.Edge.Source : args.Edge.Target;
                var to = from == args.Edge.Source ? args.Edge.Target : args.Edge.Source;
                distance[to] = distance[from] + 1;
            };
            bfs.Compute(source);
            total += distance.Values.Sum();
        }

        var n = cascade.NodeCount;
        return (double)total / ((double)n * (n - 1));
    }

    /// <summary>Depth of every node by walking up to the root.</summary>
    public static int Depth(CascadeExport cascade, int node)
    {
        var depth = 0;
        for (var v = node; v != 0; v = cascade.Parents[v])
        {
            depth++;
        }

        return depth;
    }

    public static int MaxBreadth(CascadeExport cascade) =>
        Enumerable.Range(0, cascade.NodeCount).GroupBy(v => Depth(cascade, v)).Max(g => g.Count());

    public static CascadeMetrics Metrics(CascadeGraph graph) => CascadeMetricsCalculator.Compute(graph);
}
