namespace Reach.Analysis.Cascades;

/// <summary>The spec's cascade metrics of one root post (SPEC.md, "Cascade metrics").</summary>
public sealed record CascadeMetrics
{
    public required string PostId { get; init; }
    public required string AuthorId { get; init; }
    public required DateTimeOffset PostedAt { get; init; }
    public required int Size { get; init; }
    public required int Reposts { get; init; }
    public required int Participants { get; init; }
    public required int Depth { get; init; }
    public required int MaxBreadth { get; init; }
    public required double? StructuralVirality { get; init; }
    public required double? LargestBroadcastShare { get; init; }
    public required double? MeanOffspring { get; init; }
    public required int Likes { get; init; }
    public required int Replies { get; init; }
    public required int Quotes { get; init; }

    /// <summary>Seconds from the root to the k-th repost in time order, k = 1, 10, 100, 1000.</summary>
    public required IReadOnlyDictionary<string, double?> TimeToReposts { get; init; }
    public required double? HalfLifeSeconds { get; init; }
    public required int VelocityPerHour { get; init; }

    /// <summary>f(author): the author's follower count, when known.</summary>
    public required long? AuthorAudience { get; init; }

    /// <summary>Σ f(v) over the nodes whose follower count is known.</summary>
    public required long? Exposure { get; init; }

    /// <summary>Nodes whose account's follower count is unknown (left out of <see cref="Exposure"/>).</summary>
    public required int NodesWithUnknownAudience { get; init; }
    public required long? Impressions { get; init; }

    /// <summary>|⋃ F(v)| over all nodes: distinct accounts that had the post in their timeline; null when no participant's audience is known.</summary>
    public long? Reach { get; init; }

    /// <summary>"exact", or "hll" once the reached set is beyond the exact limit.</summary>
    public string? ReachMethod { get; init; }

    /// <summary>0 for exact reach; the sketch's relative standard error for "hll".</summary>
    public double? ReachRelativeError { get; init; }

    /// <summary>True when some node's follower set is unknown and its follower count was added instead.</summary>
    public bool ReachIsUpperBound { get; init; }

    /// <summary>|⋃ F(v) \ F(author)|: people reached only through others' reposts.</summary>
    public long? EarnedReach { get; init; }

    /// <summary>reach ÷ |F(author)|; null when the author has no known followers.</summary>
    public double? Multiplier { get; init; }

    /// <summary>earnedReach ÷ reach.</summary>
    public double? EarnedShare { get; init; }

    /// <summary>Among reposters, the share who neither follow the author nor are followed by the author (over those for whom it can be decided).</summary>
    public double? StrangerShare { get; init; }

    /// <summary>The numerator of <see cref="StrangerShare"/>.</summary>
    public int? Strangers { get; init; }

    /// <summary>The denominator of <see cref="StrangerShare"/>: reposters whose relation to the author is known.</summary>
    public int? DecidedReposters { get; init; }

    /// <summary>exposure ÷ reach: how often, on average, a reached account had the post in its timeline.</summary>
    public double? Frequency { get; init; }

    /// <summary>How many edges rest on each kind of attribution.</summary>
    public required AttributionCounts Attribution { get; init; }

    /// <summary>Reposts whose named parent has not arrived (counted under the root meanwhile).</summary>
    public required int UnresolvedParents { get; init; }
    public required DateTimeOffset? LatestAt { get; init; }
}

/// <summary>Edges by how their parent was decided.</summary>
public sealed record AttributionCounts(int Explicit, int Inferred, int Root);
