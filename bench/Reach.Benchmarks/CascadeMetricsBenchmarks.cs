using BenchmarkDotNet.Attributes;
using Reach.Analysis.Cascades;

namespace Reach.Benchmarks;

/// <summary>
/// All metrics of one cascade (<see cref="CascadeMetricsCalculator.Compute"/>). Target (issue 7): a
/// 1,000,000-node cascade in at most 20 ms. <c>Compute</c> uses a graph built from the time-ordered stream (parents
/// always before children: identity order); <c>ComputeLateParents</c> one in which one repost in 200
/// arrived before the post it names (the calculator corrects for those in place);
/// <c>ComputeShuffled</c> one built from a shuffled stream, so the calculator has to derive a
/// breadth-first order first.
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class CascadeMetricsBenchmarks
{
    private CascadeGraph _ordered = null!;
    private long[] _orderedFollowers = null!;
    private CascadeGraph _late = null!;
    private long[] _lateFollowers = null!;
    private CascadeGraph _shuffled = null!;
    private long[] _shuffledFollowers = null!;

    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_ordered, _orderedFollowers) = Inputs.Graph(Nodes);
        (_late, _lateFollowers) = Inputs.LateParentGraph(Nodes);
        (_shuffled, _shuffledFollowers) = Inputs.Graph(Nodes, shuffle: true);
        if (_ordered.NodeCount != Nodes || _shuffled.NodeCount != Nodes || _shuffled.UnresolvedCount != 0)
        {
            throw new InvalidOperationException("The synthetic cascade was not built completely.");
        }

        if (!Inputs.ParentsFirst(_ordered) || Inputs.ParentsFirst(_late) || Inputs.ParentsFirst(_shuffled))
        {
            throw new InvalidOperationException("The ordered graph must be stored parents first, the late-parent and shuffled ones not.");
        }

        var a = CascadeMetricsCalculator.Compute(_ordered, _orderedFollowers);
        var b = CascadeMetricsCalculator.Compute(_shuffled, _shuffledFollowers);
        var c = CascadeMetricsCalculator.Compute(_late, _lateFollowers);
        if (a.Depth != b.Depth || a.StructuralVirality != b.StructuralVirality || a.Exposure != b.Exposure
            || a.Depth != c.Depth || a.StructuralVirality != c.StructuralVirality || a.Exposure != c.Exposure)
        {
            throw new InvalidOperationException("Ordered and shuffled builds of the same cascade disagree.");
        }
    }

    [Benchmark(Baseline = true)]
    public CascadeMetrics Compute() => CascadeMetricsCalculator.Compute(_ordered, _orderedFollowers);

    [Benchmark]
    public CascadeMetrics ComputeLateParents() => CascadeMetricsCalculator.Compute(_late, _lateFollowers);

    [Benchmark]
    public CascadeMetrics ComputeShuffled() => CascadeMetricsCalculator.Compute(_shuffled, _shuffledFollowers);
}
