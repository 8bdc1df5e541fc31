using BenchmarkDotNet.Attributes;
using Reach.Analysis.Cascades;

namespace Reach.Benchmarks;

/// <summary>
/// Grain deactivation and re-activation: <see cref="CascadeGraph.ToSnapshot"/> and
/// <see cref="CascadeGraph.FromSnapshot"/> of a 1,000,000-node cascade.
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class SnapshotBenchmarks
{
    private CascadeGraph _graph = null!;
    private byte[] _snapshot = null!;

    [Params(1_000_000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_graph, _) = Inputs.Graph(Nodes);
        _snapshot = _graph.ToSnapshot();
        var restored = CascadeGraph.FromSnapshot(_snapshot);
        if (restored.NodeCount != Nodes || !restored.Parents.SequenceEqual(_graph.Parents))
        {
            throw new InvalidOperationException("The snapshot does not restore the graph.");
        }

        Console.WriteLine($"// Snapshot: {_snapshot.Length} bytes for {Nodes} nodes ({(double)_snapshot.Length / Nodes:F1} bytes/node)");
    }

    [Benchmark]
    public byte[] ToSnapshot() => _graph.ToSnapshot();

    [Benchmark]
    public CascadeGraph FromSnapshot() => CascadeGraph.FromSnapshot(_snapshot);
}
