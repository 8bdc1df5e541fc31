using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;
using Reach.Analysis.Ids;

namespace Reach.Analysis.Tests;

/// <summary>
/// A small cascade with a follower graph, written the way one works it out by hand: the root post
/// "p" by <c>author</c> at second 0, reposts at seconds after it, and who follows whom.
/// </summary>
internal sealed class AudienceCase
{
    public const string Root = "p";

    private readonly Dictionary<string, FollowerSet> _followers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public AudienceCase(string author = "author")
    {
        Graph = new CascadeGraph(Root);
        Graph.SetRoot(author, TreeBuilder.At(0));
    }

    public CascadeGraph Graph { get; }

    /// <param name="parent">The parent the event names; null: none named (inferred).</param>
    public AudienceCase Repost(string id, string account, double seconds, string? parent = null)
    {
        Assert.Equal(AddOutcome.Added, Graph.AddNode(id, account, parent, TreeBuilder.At(seconds), NodeKind.Repost).Outcome);
        return this;
    }

    /// <summary>F(account) = exactly these followers.</summary>
    public AudienceCase Followers(string account, params string[] followers)
    {
        var set = Set(account);
        set.ApplySnapshot(FollowerSet.HashList(followers), 0);
        return this;
    }

    /// <summary><paramref name="follower"/> follows <paramref name="account"/>.</summary>
    public AudienceCase Follow(string follower, string account, long at = 1)
    {
        Set(account).ApplyPair(IdHash.Of(follower), true, at);
        return this;
    }

    /// <summary>f(account) from a profile, whatever the set says.</summary>
    public AudienceCase Count(string account, long followers)
    {
        _counts[account] = followers;
        return this;
    }

    public (AccountAudience?[] Audiences, long[] Counts) Inputs()
    {
        var accounts = Graph.Accounts;
        var audiences = new AccountAudience?[accounts.Count];
        var counts = new long[accounts.Count];
        for (var a = 0; a < accounts.Count; a++)
        {
            var id = accounts[a];
            var set = _followers.GetValueOrDefault(id);
            counts[a] = _counts.TryGetValue(id, out var f) ? f : set is { IsKnown: true } ? set.Count : -1;
            if (set is { IsKnown: true })
            {
                var followedBy = Enumerable.Range(0, accounts.Count).Where(p => set.Contains(accounts[p])).ToArray();
                audiences[a] = AccountAudience.Of(set, followedBy);
            }
        }

        return (audiences, counts);
    }

    public CascadeAudience Compute(AudienceOptions? options = null)
    {
        var (audiences, counts) = Inputs();
        return CascadeAudienceCalculator.Compute(Graph, counts, audiences, options);
    }

    public CascadeMetrics Metrics(AudienceOptions? options = null)
    {
        var (audiences, counts) = Inputs();
        return CascadeMetricsCalculator.Compute(Graph, counts, CascadeAudienceCalculator.Compute(Graph, counts, audiences, options));
    }

    public int Node(string id) => Graph.IndexOf(id);

    private FollowerSet Set(string account)
    {
        if (!_followers.TryGetValue(account, out var set))
        {
            _followers[account] = set = new FollowerSet();
        }

        return set;
    }
}
