using BenchmarkDotNet.Attributes;
using Reach.Analysis.Cascades;
using Reach.Analysis.Events;

namespace Reach.Benchmarks;

/// <summary>
/// Ingest cost in the cascade grain: a new <see cref="CascadeGraph"/> (default capacity, as the grain
/// creates it), <see cref="CascadeGraph.SetRoot"/> and one <see cref="CascadeGraph.AddNode"/> per repost,
/// from pre-generated events. Per-node cost = Mean ÷ Nodes. <c>AddNodesShuffled</c> takes the same events
/// in a random order (children before parents wait and are re-attached).
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class CascadeBuildBenchmarks
{
    private ReachEvent[] _ordered = null!;
    private ReachEvent[] _shuffled = null!;

    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ordered = Inputs.NodeEvents(Nodes);
        _shuffled = Inputs.NodeEvents(Nodes, shuffle: true);
        if (Build(_ordered).NodeCount != Nodes || Build(_shuffled) is { } g && (g.NodeCount != Nodes || g.UnresolvedCount != 0))
        {
            throw new InvalidOperationException("The synthetic cascade was not built completely.");
        }
    }

    [Benchmark(Baseline = true)]
    public CascadeGraph AddNodes() => Build(_ordered);

    [Benchmark]
    public CascadeGraph AddNodesShuffled() => Build(_shuffled);

    private static CascadeGraph Build(ReachEvent[] events)
    {
        var root = events[0].Type == EventType.Post ? events[0].PostId! : events[0].RootPostId!;
        var graph = new CascadeGraph(root);
        foreach (var e in events)
        {
            if (e.Type == EventType.Repost)
            {
                graph.AddNode(e.PostId!, e.AccountId!, e.ParentPostId, e.At, NodeKind.Repost);
            }
            else
            {
                graph.SetRoot(e.AccountId!, e.At);
            }
        }

        return graph;
    }
}
