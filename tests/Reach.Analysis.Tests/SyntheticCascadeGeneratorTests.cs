using System.Text;
using Reach.Analysis.Events;
using Reach.Analysis.Synthetic;

namespace Reach.Analysis.Tests;

public sealed class SyntheticCascadeGeneratorTests
{
    private static List<ReachEvent> Generate(SyntheticOptions options) => [.. SyntheticCascadeGenerator.Generate(options)];

    private static string[] Lines(IEnumerable<ReachEvent> events) =>
        Encoding.UTF8.GetString(EventWriter.ToNdjson(events)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Same_seed_gives_identical_events()
    {
        var options = new SyntheticOptions { Nodes = 5_000, Cascades = 2, Seed = 11 };

        Assert.Equal(EventWriter.ToNdjson(Generate(options)), EventWriter.ToNdjson(Generate(options)));
        Assert.Equal(
            EventWriter.ToNdjson(Generate(options with { Shuffle = true })),
            EventWriter.ToNdjson(Generate(options with { Shuffle = true })));
    }

    [Fact]
    public void Different_seeds_give_different_events()
    {
        var first = EventWriter.ToNdjson(Generate(new SyntheticOptions { Nodes = 1_000, Seed = 1 }));
        var second = EventWriter.ToNdjson(Generate(new SyntheticOptions { Nodes = 1_000, Seed = 2 }));

        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(2_500)]
    public void Node_count_per_cascade_is_exact(int nodes)
    {
        var events = Generate(new SyntheticOptions { Nodes = nodes, Cascades = 3, Seed = 5 });

        var roots = events.Where(e => e.Type == EventType.Post).Select(e => e.PostId!).ToList();
        Assert.Equal(3, roots.Distinct().Count());
        foreach (var root in roots)
        {
            Assert.Equal(nodes - 1, events.Count(e => e.Type == EventType.Repost && e.RootPostId == root));
        }

        Assert.Equal(3 * nodes, events.Count(e => e.Type is EventType.Post or EventType.Repost));
        Assert.Equal(events.Count, events.Count(e => e.Type is EventType.Post or EventType.Repost or EventType.Account));
    }

    [Fact]
    public void Every_repost_comes_after_its_parent_in_stream_and_time()
    {
        var events = Generate(new SyntheticOptions { Nodes = 20_000, Cascades = 2, Seed = 3 });

        var seen = new Dictionary<string, long>();
        var accounts = new HashSet<string>();
        foreach (var evt in events)
        {
            switch (evt.Type)
            {
                case EventType.Account:
                    Assert.True(accounts.Add(evt.AccountId!), $"second account event for {evt.AccountId}");
                    Assert.True(evt.Followers >= 0);
                    break;
                case EventType.Post:
                    Assert.Contains(evt.AccountId!, accounts);
                    seen.Add(evt.PostId!, evt.At);
                    break;
                default:
                    Assert.Equal(EventType.Repost, evt.Type);
                    Assert.Contains(evt.AccountId!, accounts);
                    Assert.True(seen.TryGetValue(evt.ParentPostId!, out var parentAt), $"{evt.PostId}: parent {evt.ParentPostId} not seen before");
                    Assert.True(parentAt <= evt.At, $"{evt.PostId} is earlier than its parent");
                    Assert.True(seen.ContainsKey(evt.RootPostId!));
                    seen.Add(evt.PostId!, evt.At);
                    break;
            }
        }

        Assert.Equal(40_000, seen.Count);
    }

    [Fact]
    public void Events_of_a_cascade_come_in_time_order_unless_shuffled()
    {
        var events = Generate(new SyntheticOptions { Nodes = 5_000, Seed = 9 });

        Assert.Equal(events.Select(e => e.At).Order(), events.Select(e => e.At));
    }

    [Fact]
    public void Shuffle_yields_the_same_multiset_of_events_as_time_order()
    {
        var options = new SyntheticOptions { Nodes = 10_000, Cascades = 2, Seed = 21 };
        var ordered = Lines(Generate(options));
        var shuffled = Lines(Generate(options with { Shuffle = true }));

        Assert.NotEqual(ordered, shuffled);
        Assert.Equal(ordered.Order(StringComparer.Ordinal), shuffled.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Implicit_parents_and_no_accounts_change_only_what_they_say()
    {
        var options = new SyntheticOptions { Nodes = 2_000, Seed = 4 };
        var full = Generate(options).Where(e => e.Type != EventType.Account).ToList();
        var lean = Generate(options with { ExplicitParents = false, IncludeAccounts = false });

        Assert.DoesNotContain(lean, e => e.Type == EventType.Account || e.ParentPostId is not null);
        Assert.Equal(full.Select(e => e with { ParentPostId = null }), lean);
    }

    [Fact]
    public void Follower_counts_are_heavy_tailed()
    {
        var followers = Generate(new SyntheticOptions { Nodes = 100_000, Seed = 8 })
            .Where(e => e.Type == EventType.Account)
            .Select(e => e.Followers!.Value)
            .Order()
            .ToArray();

        Assert.True(followers.Length > 90_000, $"{followers.Length} accounts");
        var median = followers[followers.Length / 2];
        Assert.InRange(median, 50, 500);
        Assert.True(followers[^1] > 100 * median, $"max {followers[^1]}, median {median}");
    }

    [Fact]
    public void Offspring_is_heavy_tailed_and_depth_is_realistic()
    {
        var events = Generate(new SyntheticOptions { Nodes = 50_000, Seed = 12, IncludeAccounts = false });
        var depth = new Dictionary<string, int>();
        var children = new Dictionary<string, int>();
        foreach (var evt in events)
        {
            if (evt.Type == EventType.Post)
            {
                depth[evt.PostId!] = 0;
                continue;
            }

            depth[evt.PostId!] = depth[evt.ParentPostId!] + 1;
            children[evt.ParentPostId!] = children.GetValueOrDefault(evt.ParentPostId!) + 1;
        }

        Assert.InRange(depth.Values.Max(), 3, 30);
        var top = children.Values.OrderDescending().Take(5).Sum();
        Assert.True(top > 50_000 / 2, $"the five largest broadcasters have only {top} children");
        var repeats = 50_000 - events.Select(e => e.AccountId).Distinct().Count();
        Assert.InRange(repeats, 500, 3_000);
    }

    [Fact]
    public void Synthetic_events_round_trip_through_the_parser()
    {
        var events = Generate(new SyntheticOptions { Nodes = 3_000, Seed = 6, IdPrefix = "t-" });

        var batch = EventParser.ParseNdjson(EventWriter.ToNdjson(events));

        Assert.Empty(batch.Errors);
        Assert.Equal(events, batch.Events.Select(e => e.Event));
        Assert.StartsWith("t-c0-", events[0].AccountId, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_are_rejected_eagerly()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCascadeGenerator.Generate(new SyntheticOptions { Nodes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCascadeGenerator.Generate(new SyntheticOptions { Cascades = 0 }));
    }

    [Fact]
    public void Motivating_case_author_follower_count_matches_its_follower_list()
    {
        var events = MotivatingCase.Events();

        var author = events.Single(e => e.Type == EventType.Account && e.AccountId == MotivatingCase.AuthorId);
        var list = events.Single(e => e.Type == EventType.Followers && e.AccountId == MotivatingCase.AuthorId);
        Assert.Equal(MotivatingCase.AuthorFollowerCount, author.Followers);
        Assert.Equal(author.Followers, list.FollowerIds!.Count);
        Assert.Equal(list.FollowerIds.Count, list.FollowerIds.Distinct().Count());

        var root = events.Single(e => e.Type == EventType.Post);
        Assert.Equal(MotivatingCase.RootPostId, root.PostId);
        Assert.Equal(MotivatingCase.AuthorId, root.AccountId);
    }

    [Fact]
    public void Every_motivating_case_participant_has_a_count_and_a_matching_follower_list()
    {
        var events = MotivatingCase.Events();
        var counts = events.Where(e => e.Type == EventType.Account).ToDictionary(e => e.AccountId!, e => e.Followers!.Value);
        var lists = events.Where(e => e.Type == EventType.Followers).ToDictionary(e => e.AccountId!, e => e.FollowerIds!);

        var participants = events.Where(e => e.Type is EventType.Post or EventType.Repost or EventType.Quote).Select(e => e.AccountId!).ToHashSet();
        Assert.Equal(participants.Order(), counts.Keys.Order());
        Assert.Equal(participants.Order(), lists.Keys.Order());
        foreach (var (account, list) in lists)
        {
            Assert.Equal(counts[account], list.Count);
        }

        var exposure = participants.Sum(a => counts[a]);
        var reach = participants.SelectMany(a => lists[a]).Distinct().Count();
        Assert.True(reach < exposure, $"reach {reach}, exposure {exposure}");
        Assert.True(reach > 100 * MotivatingCase.AuthorFollowerCount, $"reach {reach}");
    }

    [Fact]
    public void Most_motivating_case_reposters_neither_follow_nor_are_followed_by_the_author()
    {
        var events = MotivatingCase.Events();
        var authorFollowers = events.Single(e => e.Type == EventType.Followers && e.AccountId == MotivatingCase.AuthorId).FollowerIds!.ToHashSet();
        var followedByAuthor = events
            .Where(e => e.Type == EventType.Follow && e.AccountId == MotivatingCase.AuthorId)
            .Select(e => e.TargetId!)
            .Concat(events.Where(e => e.Type == EventType.Followers && e.FollowerIds!.Contains(MotivatingCase.AuthorId)).Select(e => e.AccountId!))
            .ToHashSet();
        Assert.InRange(followedByAuthor.Count, 3, 10);

        var reposters = events.Where(e => e.Type == EventType.Repost).Select(e => e.AccountId!).Distinct().ToList();
        var strangers = reposters.Count(r => !authorFollowers.Contains(r) && !followedByAuthor.Contains(r));
        var followers = reposters.Count(authorFollowers.Contains);

        Assert.InRange(events.Count(e => e.Type == EventType.Repost), 150, 300);
        Assert.True(2 * strangers > reposters.Count, $"{strangers} strangers of {reposters.Count} reposters");
        Assert.InRange(followers, 1, reposters.Count / 2);
        Assert.Contains(reposters, followedByAuthor.Contains);
    }

    [Fact]
    public void Motivating_case_is_at_least_four_generations_deep()
    {
        var events = MotivatingCase.Events();
        var depth = new Dictionary<string, int> { [MotivatingCase.RootPostId] = 0 };
        var reposts = events.Where(e => e.Type == EventType.Repost).ToDictionary(e => e.PostId!, e => e.ParentPostId!);
        int Depth(string post) => depth.TryGetValue(post, out var d) ? d : depth[post] = Depth(reposts[post]) + 1;

        var max = reposts.Keys.Max(Depth);

        Assert.InRange(max, 4, 6);
        Assert.All(events.Where(e => e.Type == EventType.Repost), e =>
        {
            Assert.Equal(MotivatingCase.RootPostId, e.RootPostId);
            var parentAt = e.ParentPostId == MotivatingCase.RootPostId
                ? events.Single(p => p.Type == EventType.Post).At
                : events.Single(p => p.PostId == e.ParentPostId && p.Type == EventType.Repost).At;
            Assert.True(parentAt <= e.At);
        });
    }

    [Fact]
    public void Motivating_case_has_exactly_one_large_reposter_who_triggers_a_burst()
    {
        var events = MotivatingCase.Events();
        var counts = events.Where(e => e.Type == EventType.Account).ToDictionary(e => e.AccountId!, e => e.Followers!.Value);
        var reposts = events.Where(e => e.Type == EventType.Repost).ToList();

        var large = reposts.Select(e => e.AccountId!).Distinct().Where(a => counts[a] >= 10_000).ToList();

        Assert.Equal(MotivatingCase.LargeAccountId, Assert.Single(large));
        Assert.InRange(counts[MotivatingCase.LargeAccountId], 40_000, 60_000);
        var largeRepost = reposts.Single(e => e.AccountId == MotivatingCase.LargeAccountId);
        var depthOneIds = reposts.Where(e => e.ParentPostId == MotivatingCase.RootPostId).Select(e => e.PostId).ToHashSet();
        Assert.True(largeRepost.ParentPostId == MotivatingCase.RootPostId || depthOneIds.Contains(largeRepost.ParentPostId));
        var burst = reposts.Count(e => e.At >= largeRepost.At && e.At < largeRepost.At + TimeSpan.TicksPerHour);
        var before = reposts.Count(e => e.At >= largeRepost.At - TimeSpan.TicksPerHour && e.At < largeRepost.At);
        Assert.True(burst > 3 * before, $"{burst} reposts in the hour after, {before} in the hour before");
    }

    [Fact]
    public void Motivating_case_has_likes_replies_quotes_and_impressions()
    {
        var events = MotivatingCase.Events();
        var replies = events.Where(e => e.Type == EventType.Reply).ToList();
        var replyIds = replies.Select(e => e.PostId).ToHashSet();

        Assert.InRange(events.Count(e => e.Type == EventType.Like), 200, 600);
        Assert.InRange(replies.Count, 20, 40);
        Assert.Contains(replies, r => r.ParentPostId == MotivatingCase.RootPostId);
        Assert.Contains(replies, r => r.ParentPostId!.StartsWith("mc-repost-", StringComparison.Ordinal));
        Assert.Contains(replies, r => replyIds.Contains(r.ParentPostId));
        Assert.Equal(2, events.Count(e => e.Type == EventType.Quote && e.QuotedPostId == MotivatingCase.RootPostId));
        Assert.Single(events, e => e.Type == EventType.Impressions && e.PostId == MotivatingCase.RootPostId);
        Assert.Equal(
            events.Count(e => e.Type == EventType.Like),
            events.Where(e => e.Type == EventType.Like).Select(e => (e.AccountId, e.PostId)).Distinct().Count());
    }

    [Fact]
    public void Motivating_case_round_trips_through_the_parser()
    {
        var events = MotivatingCase.Events();

        var batch = EventParser.ParseNdjson(EventWriter.ToNdjson(events));

        Assert.Empty(batch.Errors);
        Assert.Equal(events.Count, batch.Events.Count);
        Assert.Equal(EventWriter.ToNdjson(events), EventWriter.ToNdjson(batch.Events.Select(e => e.Event)));
    }
}
