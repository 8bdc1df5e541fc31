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
        _graph = new CascadeGraph("root", Nodes);
        _graph.SetRoot("account-0", 0);
        for (var r = 1; r < Nodes; r++)
        {
            _graph.AddNode($"repost-{r}", $"account-{r}", null, r * TimeSpan.TicksPerSecond, NodeKind.Repost);
        }

        var random = new Random(Inputs.Seed);
        var followedBy = new List<int>[_graph.Accounts.Count];
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

        _audiences = [.. followedBy.Select(by => new AccountAudience { FollowersKnown = true, Members = [], FollowedBy = [.. by.Distinct().Order()] })];
        var audience = Attribute();
        if (audience.AttributionCounts().Inferred != Nodes - 1)
        {
            throw new InvalidOperationException($"Expected every one of the {Nodes - 1} edges inferred, got {audience.AttributionCounts()}.");
        }
    }

    [Benchmark]
    public CascadeAudience Attribute() => CascadeAudienceCalculator.Compute(_graph, default, _audiences);
}
