using BenchmarkDotNet.Attributes;
using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;

namespace Reach.Benchmarks;

/// <summary>
/// Time-inferred attribution of a cascade whose reposts name no parent (as on X), by size: each
/// reposter follows three earlier reposters at random, so every repost's parent is found from the
/// follower graph. Follower sets are known but empty, so the reach union costs next to nothing
/// and the figure is attribution's (time order, candidate search, the cycle guard).
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class AttributionBenchmarks
{
    private CascadeGraph _graph = null!;
    private AccountAudience?[] _audiences = null!;

    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_graph, var followedBy) = Inputs.ParentlessCascade(Nodes - 1);
        _audiences = [.. followedBy.Select(by => new AccountAudience { FollowersKnown = true, Members = [], FollowedBy = by })];
        var audience = Attribute();
        if (audience.AttributionCounts().Inferred != Nodes - 1)
        {
            throw new InvalidOperationException($"Expected every one of the {Nodes - 1} edges inferred, got {audience.AttributionCounts()}.");
        }
    }

    [Benchmark]
    public CascadeAudience Attribute() => CascadeAudienceCalculator.Compute(_graph, default, _audiences);
}
