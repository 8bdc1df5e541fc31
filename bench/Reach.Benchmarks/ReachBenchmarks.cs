using BenchmarkDotNet.Attributes;
using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;

namespace Reach.Benchmarks;

/// <summary>
/// Attribution and reach of one cascade (<see cref="CascadeAudienceCalculator.Compute"/>), from the
/// inputs a cascade grain holds: per participant its follower set (members, or a sketch beyond the
/// exact limit) and which participants follow it. No repost names its parent, so every edge is
/// time-inferred.
/// <list type="bullet">
/// <item><c>ExactReach</c>: 1,000 reposters whose follower lists (1,250 each, 1,250,000 entries) hold
/// 1,000,000 distinct accounts: the largest union still counted exactly. Target ≤ 500 ms.</item>
/// <item><c>HllReach</c>: 10,000 reposts by accounts holding 10,000 followers each, 100,000,000
/// entries, merged as their accounts' HyperLogLog sketches. Target ≤ 2 s.</item>
/// <item><c>BulkImport</c>: a follower list of 1,000,000 ids hashed, sorted and made the account's
/// set, as ingest and the account grain do. Target ≥ 1,000,000 ids/s.</item>
/// </list>
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class ReachBenchmarks
{
    private (CascadeGraph Graph, AccountAudience?[] Audiences) _exact;
    private (CascadeGraph Graph, AccountAudience?[] Audiences) _estimated;
    private string[] _followerIds = null!;

    [GlobalSetup]
    public void Setup()
    {
        _exact = Cascade(reposters: 1_000, followersEach: 1_250, pool: 1_000_000, sketches: false);
        _estimated = Cascade(reposters: 10_000, followersEach: 10_000, pool: 50_000_000, sketches: true);
        _followerIds = [.. Enumerable.Range(0, 1_000_000).Select(i => $"follower-{i:D8}")];

        var exact = ExactReach();
        if (exact.Reach.Method != ReachFigures.Exact || exact.Reach.Reach != 1_000_000)
        {
            throw new InvalidOperationException($"The exact case reached {exact.Reach.Reach} ({exact.Reach.Method}), not 1,000,000 exactly.");
        }

        if (HllReach().Reach.Method != ReachFigures.Hll)
        {
            throw new InvalidOperationException("The large case must be estimated.");
        }
    }

    [Benchmark]
    public CascadeAudience ExactReach() => CascadeAudienceCalculator.Compute(_exact.Graph, default, _exact.Audiences);

    [Benchmark]
    public CascadeAudience HllReach() => CascadeAudienceCalculator.Compute(_estimated.Graph, default, _estimated.Audiences);

    [Benchmark(OperationsPerInvoke = 1_000_000)]
    public long BulkImport()
    {
        var set = new FollowerSet();
        set.ApplySnapshot(FollowerSet.HashList(_followerIds), 1);
        return set.Count;
    }

    /// <summary>
    /// A root and one repost per reposter, a second apart, none naming its parent. Account r's
    /// followers are ids r·k … r·k + k − 1 of the pool (wrapping), so consecutive accounts share
    /// followers once k·reposters exceeds the pool; each reposter follows a few earlier reposters.
    /// </summary>
    private static (CascadeGraph, AccountAudience?[]) Cascade(int reposters, int followersEach, int pool, bool sketches)
    {
        var (graph, followedBy) = Inputs.ParentlessCascade(reposters);

        var audiences = new AccountAudience?[graph.Accounts.Count];
        var stride = pool / reposters;
        for (var a = 0; a < audiences.Length; a++)
        {
            var members = new ulong[followersEach];
            for (var i = 0; i < followersEach; i++)
            {
                members[i] = Mix((ulong)(((long)a * stride + i) % pool));
            }

            Array.Sort(members);
            var by = followedBy[a];
            if (sketches)
            {
                var sketch = new HyperLogLog();
                sketch.AddHashes(members);
                audiences[a] = new AccountAudience { FollowersKnown = true, FollowerSetSize = followersEach, Sketch = sketch.ToBytes(), FollowedBy = by };
            }
            else
            {
                audiences[a] = new AccountAudience { FollowersKnown = true, FollowerSetSize = followersEach, Members = members, FollowedBy = by };
            }
        }

        return (graph, audiences);
    }

    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
