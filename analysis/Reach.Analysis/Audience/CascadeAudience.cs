using Reach.Analysis.Cascades;

namespace Reach.Analysis.Audience;

/// <summary>
/// What a cascade knows of one participant account's followers F(u): whether F(u) is known, its
/// size, and either its members (sorted hashes) or its HyperLogLog sketch, plus which of the
/// cascade's other participants follow it (the follower graph restricted to the cascade).
/// </summary>
public sealed record AccountAudience
{
    public static readonly AccountAudience Unknown = new();

    public bool FollowersKnown { get; init; }

    /// <summary>|F(u)|.</summary>
    public long FollowerSetSize { get; init; }

    /// <summary>F(u) as sorted hashes, when fetched.</summary>
    public ulong[]? Members { get; init; }

    /// <summary>The sketch of F(u) in its byte form (<see cref="HyperLogLog.ToBytes"/>), when only that was fetched.</summary>
    public byte[]? Sketch { get; init; }

    /// <summary>Account indexes (of the cascade's account table), ascending, of the participants in F(u).</summary>
    public int[] FollowedBy { get; init; } = [];

    public static AccountAudience Of(FollowerSet followers, int[] followedBy) => new()
    {
        FollowersKnown = followers.IsKnown,
        FollowerSetSize = followers.Count,
        Members = followers.Members(),
        FollowedBy = followedBy,
    };
}

public sealed record AudienceOptions
{
    public const int DefaultExactLimit = 1_000_000;

    /// <summary>Reach is counted exactly while the reached set holds at most this many accounts, then estimated.</summary>
    public int ExactLimit { get; init; } = DefaultExactLimit;

    public static readonly AudienceOptions Default = new();
}

/// <summary>The spec's reach figures of one cascade ("Audience, reach and the multiplier").</summary>
public sealed record ReachFigures
{
    public const string Exact = "exact";
    public const string Hll = "hll";

    public required long Reach { get; init; }
    public required string Method { get; init; }
    public required double RelativeError { get; init; }
    public required bool IsUpperBound { get; init; }
    public required long EarnedReach { get; init; }
    public required double? Multiplier { get; init; }
    public required double? EarnedShare { get; init; }
    public required double? StrangerShare { get; init; }

    /// <summary>Reposters who neither follow the author nor are followed by the author.</summary>
    public required int Strangers { get; init; }

    /// <summary>Reposters for whom that can be decided (the denominator of <see cref="StrangerShare"/>).</summary>
    public required int DecidedReposters { get; init; }

    /// <summary>|⋃ F(v)| over the known sets alone (reach without the counts standing in for unknown sets).</summary>
    public required long KnownUnion { get; init; }

    /// <summary>Participants whose follower set is known and counted in the union.</summary>
    public required int AccountsWithKnownFollowers { get; init; }
}

/// <summary>
/// The follower-graph view of a cascade: the attributed tree (time-inferred parents where the
/// events named none), reach, and each node's marginal reach in time order.
/// </summary>
public sealed class CascadeAudience
{
    /// <summary>Parent of every node after attribution (-1 for the root).</summary>
    public required int[] Parents { get; init; }

    public required Attribution[] Attributions { get; init; }

    /// <summary>Followers of each node's account reached by no earlier node (0 for a repeat of an account).</summary>
    public required long[] MarginalReach { get; init; }

    public required ReachFigures Reach { get; init; }

    public AttributionCounts AttributionCounts()
    {
        int explicitEdges = 0, inferred = 0, root = 0;
        for (var i = 1; i < Attributions.Length; i++)
        {
            switch (Attributions[i])
            {
                case Attribution.Explicit: explicitEdges++; break;
                case Attribution.Inferred: inferred++; break;
                default: root++; break;
            }
        }

        return new AttributionCounts(explicitEdges, inferred, root);
    }
}
