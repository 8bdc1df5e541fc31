using Reach.Analysis.Audience;

namespace Reach.Analysis.Tests;

public sealed class CampaignCalculatorTests
{
    /// <summary>
    /// The brand (group official) posts P1 at 0 s; employee e1 (advocates) posts P2 at 10 s. Fan a
    /// reposts P1 at 5 s, fan b reposts P2 at 20 s, employee e2 (advocates) reposts P1 at 30 s.
    /// F(brand) = {x, y, z}, F(e1) = {y, w}, F(a) = {z, q}, F(b) = {w, v}, F(e2) = {u}.
    /// By hand, in time order: brand 3, a +1 (q), e1 +1 (w), b +1 (v), e2 +1 (u): reach 7. Authors'
    /// audience {x, y, z, w} = 4: earned 3, multiplier 7/4. Official reaches 3; advocates
    /// {y, w, u} = 3. P1 reaches {x, y, z, q, u} = 5, P2 {y, w, v} = 3; they share y: 1, Jaccard 1/7.
    /// </summary>
    private static CampaignInputs Case(TimeSpan? bucket = null)
    {
        string[] accounts = ["brand", "a", "e1", "b", "e2"];
        string[][] sets = [["x", "y", "z"], ["z", "q"], ["y", "w"], ["w", "v"], ["u"]];
        var audiences = sets.Select(s =>
        {
            var set = new FollowerSet();
            set.ApplySnapshot(FollowerSet.HashList(s), 0);
            return (AccountAudience?)AccountAudience.Of(set, []);
        }).ToArray();
        return new CampaignInputs
        {
            PostIds = ["P1", "P2"],
            AccountIds = accounts,
            Nodes =
            [
                new CampaignNode(0, "P1", 0, Seconds(0), IsRoot: true),
                new CampaignNode(0, "r1", 1, Seconds(5), IsRoot: false),
                new CampaignNode(1, "P2", 2, Seconds(10), IsRoot: true),
                new CampaignNode(1, "r2", 3, Seconds(20), IsRoot: false),
                new CampaignNode(0, "r3", 4, Seconds(30), IsRoot: false),
            ],
            Audiences = audiences,
            Followers = [.. sets.Select(s => (long)s.Length)],
            Groups = new Dictionary<string, IReadOnlySet<string>> { ["official"] = new HashSet<string> { "brand" }, ["advocates"] = new HashSet<string> { "e1", "e2" } },
            Bucket = bucket ?? TimeSpan.FromSeconds(10),
        };
    }

    private static long Seconds(int s) => TreeBuilder.At(s);

    [Fact]
    public void Campaign_reach_is_deduplicated_across_posts_and_matches_the_hand_worked_case()
    {
        var metrics = CampaignCalculator.Compute(Case());

        Assert.Equal((2, 3, 5, 10L), (metrics.Posts, metrics.Reposts, metrics.Participants, metrics.Exposure));
        Assert.Equal((7L, "exact", false), (metrics.Reach, metrics.ReachMethod, metrics.ReachIsUpperBound));
        Assert.Equal((4L, 3L), (metrics.AuthorsAudience, metrics.EarnedReach));
        Assert.Equal(7.0 / 4, metrics.Multiplier);
    }

    [Fact]
    public void Reach_by_group_separates_official_accounts_from_advocates()
    {
        var metrics = CampaignCalculator.Compute(Case());

        Assert.Equal(
            [new GroupReach("advocates", 2, 2, 3, "exact"), new GroupReach("official", 1, 1, 3, "exact")],
            metrics.ReachByGroup);
    }

    [Fact]
    public void The_top_posts_audiences_overlap_by_the_followers_they_share()
    {
        var metrics = CampaignCalculator.Compute(Case());

        Assert.Equal([new CampaignPost("P1", "brand", 2, 5), new CampaignPost("P2", "e1", 1, 3)], metrics.TopPosts);
        var overlap = Assert.Single(metrics.Overlap);
        Assert.Equal(("P1", "P2", 1L), (overlap.PostA, overlap.PostB, overlap.Shared));
        Assert.Equal(1.0 / 7, overlap.Jaccard!.Value, 12);
    }

    [Fact]
    public void Amplifiers_and_the_timeline_follow_the_deduplicated_reach_in_time_order()
    {
        var metrics = CampaignCalculator.Compute(Case());

        Assert.Equal(["r1:1", "r2:1", "r3:1"], metrics.TopAmplifiers.Select(a => $"{a.PostId}:{a.MarginalReach}"));
        Assert.Equal([(1, 4L), (1, 5L), (2, 6L), (3, 7L)], metrics.Timeline.Select(b => (b.Reposts, b.Reach)));
    }
}
