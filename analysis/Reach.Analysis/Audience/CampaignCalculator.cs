namespace Reach.Analysis.Audience;

/// <summary>One node of one of a campaign's cascades: the root post (<see cref="IsRoot"/>) or a repost or quote.</summary>
/// <param name="Post">Index of the campaign post (cascade) it belongs to.</param>
/// <param name="Account">Index of its account in the campaign's account table.</param>
public sealed record CampaignNode(int Post, string NodeId, int Account, long At, bool IsRoot);

public sealed record CampaignInputs
{
    /// <summary>Root post id per post index (posts whose root has arrived).</summary>
    public required IReadOnlyList<string> PostIds { get; init; }

    public required IReadOnlyList<string> AccountIds { get; init; }

    public required IReadOnlyList<CampaignNode> Nodes { get; init; }

    /// <summary>Per account index what is known of F(u); null where unknown.</summary>
    public required IReadOnlyList<AccountAudience?> Audiences { get; init; }

    /// <summary>f(u) per account index; negative where unknown.</summary>
    public required IReadOnlyList<long> Followers { get; init; }

    /// <summary>Account groups by name (e.g. official, advocates).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Groups { get; init; } = new Dictionary<string, IReadOnlySet<string>>();

    public int ExactLimit { get; init; } = AudienceOptions.DefaultExactLimit;

    public int TopPosts { get; init; } = 5;

    public int TopAmplifiers { get; init; } = 10;

    public TimeSpan Bucket { get; init; } = TimeSpan.FromHours(1);
}

public sealed record GroupReach(string Group, int Participants, int Nodes, long Reach, string ReachMethod);

public sealed record CampaignPost(string PostId, string AuthorId, int Reposts, long Reach);

/// <summary>The audience two of the top posts share: accounts each of them reached.</summary>
public sealed record AudienceOverlap(string PostA, string PostB, long Shared, double? Jaccard);

public sealed record CampaignAmplifier(string PostId, string RootPostId, string AccountId, DateTimeOffset At, long MarginalReach, long? Followers);

public sealed record CampaignTimelineBucket(DateTimeOffset Start, int Reposts, long Reach);

/// <summary>A campaign's figures: its posts' reach deduplicated across all of them.</summary>
public sealed record CampaignMetrics
{
    public required int Posts { get; init; }
    public required int Reposts { get; init; }
    public required int Participants { get; init; }

    /// <summary>Σ f(v) over all nodes of all posts whose count is known.</summary>
    public required long Exposure { get; init; }

    /// <summary>Distinct accounts reached by any node of any post.</summary>
    public required long Reach { get; init; }
    public required string ReachMethod { get; init; }
    public required double ReachRelativeError { get; init; }
    public required bool ReachIsUpperBound { get; init; }

    /// <summary>|⋃ F(author)| over the authors of the campaign's posts.</summary>
    public required long AuthorsAudience { get; init; }

    /// <summary>Reach minus the authors' combined audience: people reached only through others.</summary>
    public required long EarnedReach { get; init; }

    /// <summary>reach ÷ the authors' combined audience; null when it is unknown or empty.</summary>
    public required double? Multiplier { get; init; }

    /// <summary>Per group, the union of the followers of the group's members among the nodes.</summary>
    public required IReadOnlyList<GroupReach> ReachByGroup { get; init; }
    public required IReadOnlyList<CampaignPost> TopPosts { get; init; }
    public required IReadOnlyList<AudienceOverlap> Overlap { get; init; }
    public required IReadOnlyList<CampaignAmplifier> TopAmplifiers { get; init; }

    /// <summary>Cumulative reposts and deduplicated reach at the end of each bucket.</summary>
    public required IReadOnlyList<CampaignTimelineBucket> Timeline { get; init; }
}

/// <summary>
/// Campaign figures from its cascades' nodes and their accounts' follower sets. Time order runs
/// across all posts (by time, then post index, then node id), so a follower reached by one post
/// is not reached again by another.
/// </summary>
public static class CampaignCalculator
{
    public static CampaignMetrics Compute(CampaignInputs inputs)
    {
        var nodes = inputs.Nodes.OrderBy(n => n.At).ThenBy(n => n.Post).ThenBy(n => n.IsRoot ? 0 : 1).ThenBy(n => n.NodeId, StringComparer.Ordinal).ToList();
        var followers = inputs.Followers.ToArray();
        var (marginal, size) = ReachUnion.InOrder([.. nodes.Select(n => n.Account)], inputs.Audiences, followers, inputs.ExactLimit);

        var authorsByPost = new int[inputs.PostIds.Count];
        foreach (var root in nodes.Where(n => n.IsRoot))
        {
            authorsByPost[root.Post] = root.Account;
        }

        var authors = ReachUnion.Count(authorsByPost, inputs.Audiences, followers, inputs.ExactLimit);
        var knownAuthorsAudience = authors.KnownUnion;
        var reach = size.Total;

        var nodesByPost = nodes.GroupBy(n => n.Post).ToDictionary(g => g.Key, g => g.ToList());
        var posts = Enumerable.Range(0, inputs.PostIds.Count).Select(p =>
        {
            var postNodes = nodesByPost.GetValueOrDefault(p) ?? [];
            var postReach = ReachUnion.Count(postNodes.Select(n => n.Account), inputs.Audiences, followers, inputs.ExactLimit);
            return (Index: p, Post: new CampaignPost(inputs.PostIds[p], inputs.AccountIds[authorsByPost[p]], postNodes.Count(n => !n.IsRoot), postReach.Total));
        }).OrderByDescending(p => p.Post.Reach).ThenByDescending(p => p.Post.Reposts).ThenBy(p => p.Post.PostId, StringComparer.Ordinal).ToList();
        var top = posts.Take(inputs.TopPosts).ToList();

        var overlap = new List<AudienceOverlap>();
        for (var i = 0; i < top.Count; i++)
        {
            for (var j = i + 1; j < top.Count; j++)
            {
                var accounts = (nodesByPost.GetValueOrDefault(top[i].Index) ?? []).Concat(nodesByPost.GetValueOrDefault(top[j].Index) ?? []).Select(n => n.Account);
                var union = ReachUnion.Count(accounts, inputs.Audiences, followers, inputs.ExactLimit).Total;
                var shared = Math.Max(0, top[i].Post.Reach + top[j].Post.Reach - union);
                overlap.Add(new AudienceOverlap(top[i].Post.PostId, top[j].Post.PostId, shared, union > 0 ? (double)shared / union : null));
            }
        }

        var byGroup = inputs.Groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(group =>
        {
            var members = nodes.Where(n => group.Value.Contains(inputs.AccountIds[n.Account])).ToList();
            var groupReach = ReachUnion.Count(members.Select(n => n.Account), inputs.Audiences, followers, inputs.ExactLimit);
            return new GroupReach(group.Key, members.Select(n => n.Account).Distinct().Count(), members.Count, groupReach.Total, groupReach.Method);
        }).ToList();

        var amplifiers = nodes.Select((node, i) => (Node: node, Marginal: marginal[i]))
            .Where(x => !x.Node.IsRoot)
            .OrderByDescending(x => x.Marginal).ThenBy(x => x.Node.At).ThenBy(x => x.Node.NodeId, StringComparer.Ordinal)
            .Take(inputs.TopAmplifiers)
            .Select(x => new CampaignAmplifier(
                x.Node.NodeId, inputs.PostIds[x.Node.Post], inputs.AccountIds[x.Node.Account], new DateTimeOffset(x.Node.At, TimeSpan.Zero),
                x.Marginal, followers[x.Node.Account] >= 0 ? followers[x.Node.Account] : null))
            .ToList();

        return new CampaignMetrics
        {
            Posts = inputs.PostIds.Count,
            Reposts = nodes.Count(n => !n.IsRoot),
            Participants = nodes.Select(n => n.Account).Distinct().Count(),
            Exposure = nodes.Sum(n => Math.Max(0, followers[n.Account])),
            Reach = reach,
            ReachMethod = size.Method,
            ReachRelativeError = size.Exact ? 0 : new HyperLogLog().RelativeStandardError,
            ReachIsUpperBound = size.IsUpperBound,
            AuthorsAudience = authors.Total,
            EarnedReach = Math.Max(0, reach - authors.Total),
            Multiplier = knownAuthorsAudience > 0 ? (double)reach / authors.Total : null,
            ReachByGroup = byGroup,
            TopPosts = [.. top.Select(p => p.Post)],
            Overlap = overlap,
            TopAmplifiers = amplifiers,
            Timeline = Timeline(nodes, marginal, inputs.Bucket),
        };
    }

    private static List<CampaignTimelineBucket> Timeline(List<CampaignNode> nodes, long[] marginal, TimeSpan bucket)
    {
        if (nodes.Count == 0)
        {
            return [];
        }

        var first = nodes[0].At;
        var buckets = new SortedDictionary<long, (int Reposts, long Reach)>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var index = (nodes[i].At - first) / bucket.Ticks;
            var (reposts, reach) = buckets.GetValueOrDefault(index);
            buckets[index] = (reposts + (nodes[i].IsRoot ? 0 : 1), reach + marginal[i]);
        }

        var last = buckets.Keys.Max();
        if (last >= 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), $"a bucket of {bucket} gives more than 100,000 buckets for this campaign; choose a wider bucket");
        }

        var timeline = new List<CampaignTimelineBucket>();
        var (cumulativeReposts, cumulativeReach) = (0, 0L);
        for (var index = 0L; index <= last; index++)
        {
            var (reposts, reach) = buckets.GetValueOrDefault(index);
            (cumulativeReposts, cumulativeReach) = (cumulativeReposts + reposts, cumulativeReach + reach);
            timeline.Add(new CampaignTimelineBucket(new DateTimeOffset(first + (index * bucket.Ticks), TimeSpan.Zero), cumulativeReposts, cumulativeReach));
        }

        return timeline;
    }
}
