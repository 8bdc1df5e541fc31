using System.Collections.ObjectModel;
using System.Globalization;
using MathNet.Numerics.Distributions;
using Reach.Analysis.Events;

namespace Reach.Analysis.Synthetic;

/// <summary>
/// A fixed re-creation of the product's motivating case: a pointed question by an author with a few hundred
/// followers travels far beyond them, mostly through strangers, with one large account as the amplifier.
/// </summary>
/// <remarks>
/// <para>The events are deterministic (hand-designed plan, randomized details from a fixed seed); what they
/// contain:</para>
/// <list type="bullet">
/// <item><b>Author</b> <see cref="AuthorId"/> (handle <c>curious.author</c>): an <c>account</c> event with
/// exactly <see cref="AuthorFollowerCount"/> (300) followers and a <c>followers</c> event listing exactly those
/// 300 ids; 6 <c>follow</c> events in which the author follows someone (2 of them follow the author back,
/// 4 of the 6 repost).</item>
/// <item><b>Root</b> <see cref="RootPostId"/>: a <c>post</c> at <see cref="PostedAt"/> (2026-03-02 08:30Z),
/// tags <c>question</c>.</item>
/// <item><b>Reposts</b> <c>mc-repost-001</c> … <c>mc-repost-237</c> (numbered in time order), all with an
/// explicit <c>parentPostId</c>, over 6 generations (26, 34, 110, 46, 16, 5): depth 6. 39 are by followers of
/// the author, 4 by accounts the author follows, the other 194 (82 %) by strangers who neither follow nor
/// are followed by the author. Three strangers repost twice (one node per repost), so there are 234 distinct
/// reposters, 191 of them (82 %) strangers. Parents are chosen with heavy-tailed weights, so a few reposts
/// collect most children.</item>
/// <item><b>The large account</b> <see cref="LargeAccountId"/> (handle <c>big.voice</c>,
/// <see cref="LargeAccountFollowerCount"/> = 50,000 followers, listed in full) is a stranger who reposts in
/// generation 2, about 3.6 h after the root, through a generation-1 stranger. 82 of its followers repost it
/// within roughly an hour or two: the burst.</item>
/// <item><b>Quotes</b> <c>mc-quote-1</c> and <c>mc-quote-2</c>: two strangers quote the root.</item>
/// <item><b>Every participant</b> (author, reposters, quoters) has an <c>account</c> event and a
/// <c>followers</c> event whose list has exactly that many ids. Apart from the author (300) and the large
/// account (50,000), counts are log-normal (median ≈ 140, heavy-tailed, at most 8,000). Every reposter is in
/// the follower list of the account it reposted from (for generation 1: only when it follows the author),
/// so time-inferred attribution can recover the tree. Follower ids (<c>mc-acct-000001</c> …
/// <c>mc-acct-120000</c>) are drawn partly from the author's followers, partly from the parent's followers
/// and partly at random, so audiences overlap: over the 239 nodes the follower counts add up to about
/// 117,000 (exposure) while the lists hold about 72,000 distinct accounts (reach, ≈ 240 × the author's
/// 300).</item>
/// <item><b>Engagement</b>: 360 <c>like</c> events (210 on the root, 70 on the large account's repost,
/// 80 on other reposts), 30 <c>reply</c> events <c>mc-reply-01</c> … <c>mc-reply-30</c> (16 to the root,
/// 9 to reposts, 5 to replies, including the author answering a reply and a reply to that answer), and one
/// <c>impressions</c> event for the root (1.5 × the distinct accounts reached).</item>
/// <item><b>Times</b> (whole seconds): follows weeks before the post, profile snapshots and follower lists one
/// hour before it; the reposts run from 08:35 to about midnight, 102 of them in the hour after the large
/// account's repost at 12:05; likes continue into the next morning, the impressions come last (next day
/// 06:00).</item>
/// </list>
/// <para>Event order: follows, accounts and follower lists first, then the post and everything else in time
/// order, the impressions last.</para>
/// </remarks>
public static class MotivatingCase
{
    public const string RootPostId = "mc-post-root";
    public const string AuthorId = "mc-acct-author";
    public const string LargeAccountId = "mc-acct-large";
    public const int AuthorFollowerCount = 300;
    public const int LargeAccountFollowerCount = 50_000;

    /// <summary>Time of the root post.</summary>
    public static readonly DateTimeOffset PostedAt = new(2026, 3, 2, 8, 30, 0, TimeSpan.Zero);

    private const int Seed = 20_260_302;
    private const int PoolSize = 120_000;
    private const int Author = 0;
    private const int Large = PoolSize + 1;

    private static readonly Lazy<IReadOnlyList<ReachEvent>> Cached = new(() => Build());

    /// <summary>The events of the case (the same instance on every call; do not mutate).</summary>
    public static IReadOnlyList<ReachEvent> Events() => Cached.Value;

    private enum Kind
    {
        Stranger,
        Follower,
        Followed,
    }

    private sealed class Node(int generation, Node? parent, Kind kind, long at)
    {
        public int Generation { get; } = generation;
        public Node? Parent { get; } = parent;
        public Kind Kind { get; } = kind;
        public long At { get; set; } = at;
        public int Account { get; set; } = -1;
        public int Children { get; set; }
        public string Id { get; set; } = "";
    }

    private sealed class Reply(Node target, Reply? parentReply, int account, long at)
    {
        public Node Target { get; } = target;
        public Reply? ParentReply { get; } = parentReply;
        public int Account { get; } = account;
        public long At { get; } = at;
        public string Id { get; set; } = "";
    }

    private static ReadOnlyCollection<ReachEvent> Build()
    {
        var rng = new Random(Seed);
        var t0 = PostedAt.UtcTicks;
        var end = t0 + TimeSpan.FromHours(25).Ticks;

        // The author's audience and follows.
        var authorFollowers = SampleDistinct(rng, AuthorFollowerCount, _ => true);
        var authorFollowerList = authorFollowers.Order().ToArray();
        var mutual = authorFollowerList.OrderBy(_ => rng.Next()).Take(2).ToArray();
        var authorFollows = mutual.Concat(SampleDistinct(rng, 4, x => !authorFollowers.Contains(x)).Order()).ToArray();
        var authorFollowsSet = authorFollows.ToHashSet();
        var largeFollowers = SampleDistinct(rng, LargeAccountFollowerCount, _ => true);

        // The tree, generation by generation.
        var root = new Node(0, null, Kind.Stranger, t0) { Account = Author, Id = RootPostId };
        var nodes = new List<Node>();
        long Delay(double medianMinutes, double sigma) =>
            TimeSpan.FromSeconds(Math.Round(60 * Math.Clamp(LogNormal.Sample(rng, Math.Log(medianMinutes), sigma), 1, 10 * 60))).Ticks;

        List<Node> AddGeneration(int generation, IReadOnlyList<Node> parents, int followers, int followed, int count, double medianMinutes, double sigma)
        {
            var kinds = Enumerable.Repeat(Kind.Follower, followers)
                .Concat(Enumerable.Repeat(Kind.Followed, followed))
                .Concat(Enumerable.Repeat(Kind.Stranger, count - followers - followed))
                .OrderBy(_ => rng.Next())
                .ToArray();
            var weights = parents.Select(_ => Pareto.Sample(rng, 1, 1.1)).ToArray();
            var created = new List<Node>();
            foreach (var kind in kinds)
            {
                var parent = parents[PickWeighted(rng, weights)];
                var node = new Node(generation, parent, kind, parent.At + Delay(medianMinutes, sigma));
                parent.Children++;
                created.Add(node);
            }

            nodes.AddRange(created);
            return created;
        }

        var gen1 = AddGeneration(1, [root], 16, 3, 26, 40, 1.0);
        var gen1Strangers = gen1.Where(n => n.Kind == Kind.Stranger).OrderBy(n => n.At).ToList();
        var largeParent = gen1Strangers[0];
        var large = new Node(2, largeParent, Kind.Stranger, Math.Max(largeParent.At + TimeSpan.FromMinutes(25).Ticks, t0 + TimeSpan.FromMinutes(215).Ticks))
        {
            Account = Large,
        };
        largeParent.Children++;
        nodes.Add(large);
        var gen2 = AddGeneration(2, gen1, 8, 1, 33, 60, 1.3);
        var burst = AddGeneration(3, [large], 6, 0, 82, 14, 0.8);
        var gen3 = AddGeneration(3, gen2, 4, 0, 28, 70, 1.3);
        gen3.AddRange(burst);
        var gen4 = AddGeneration(4, gen3, 4, 0, 46, 60, 1.4);
        var gen5 = AddGeneration(5, gen4, 1, 0, 16, 90, 1.4);
        _ = AddGeneration(6, gen5, 0, 0, 5, 120, 1.4);

        var quotes = new[]
        {
            new Node(1, root, Kind.Stranger, t0 + TimeSpan.FromMinutes(130).Ticks) { Id = "mc-quote-1" },
            new Node(1, root, Kind.Stranger, t0 + TimeSpan.FromMinutes(405).Ticks) { Id = "mc-quote-2" },
        };
        root.Children += quotes.Length;

        // Accounts: a reposter of the large account is one of its followers.
        var used = new HashSet<int> { Author, Large };
        foreach (var node in nodes.Concat(quotes).OrderBy(n => n.At))
        {
            if (node.Account >= 0)
            {
                continue;
            }

            var underLarge = node.Parent == large;
            node.Account = node.Kind switch
            {
                Kind.Follower => PickFrom(rng, authorFollowerList, x => !used.Contains(x) && !authorFollowsSet.Contains(x) && (!underLarge || largeFollowers.Contains(x))),
                Kind.Followed => PickFrom(rng, authorFollows, x => !used.Contains(x)),
                _ => PickStranger(rng, x => !used.Contains(x) && !authorFollowers.Contains(x) && !authorFollowsSet.Contains(x) && (!underLarge || largeFollowers.Contains(x))),
            };
            used.Add(node.Account);
        }

        // Three strangers of generations 1–2 repost a second time, deeper in the tree.
        var earlyStrangers = nodes.Where(n => n.Generation <= 2 && n.Kind == Kind.Stranger && n != large).OrderBy(n => n.At).ToList();
        var repeaters = nodes.Where(n => n.Generation >= 4 && n.Kind == Kind.Stranger && n.Parent != large).OrderBy(n => n.At).ToList();
        for (var k = 0; k < 3; k++)
        {
            var node = repeaters[(k * repeaters.Count / 3) + 1];
            var again = earlyStrangers[(k * 5) + 2];
            if (node.Parent!.Account != again.Account)
            {
                node.Account = again.Account;
            }
        }

        // Name the reposts in time order.
        var reposts = nodes.OrderBy(n => n.At).ToList();
        for (var i = 0; i < reposts.Count; i++)
        {
            reposts[i].Id = $"mc-repost-{i + 1:D3}";
        }

        // Follower lists of all participants, in time order (a list may draw on its parent's).
        var lists = new Dictionary<int, HashSet<int>>
        {
            [Author] = authorFollowers,
            [Large] = largeFollowers,
        };
        var participants = reposts.Concat(quotes).OrderBy(n => n.At).ToList();
        foreach (var node in participants)
        {
            if (lists.ContainsKey(node.Account))
            {
                continue;
            }

            var list = new HashSet<int>();
            foreach (var other in participants)
            {
                if (other.Parent?.Account == node.Account)
                {
                    list.Add(other.Account);
                }
            }

            if (authorFollowsSet.Contains(node.Account))
            {
                list.Add(Author);
            }

            var target = Math.Max(list.Count, (int)Math.Clamp(Math.Round(LogNormal.Sample(rng, Math.Log(140), 1.25)), 8, 8000));
            var parentList = lists[node.Parent!.Account].Where(x => x != Author && x != Large).ToArray();
            while (list.Count < target)
            {
                var u = rng.NextDouble();
                var candidate = u < 0.15 ? authorFollowerList[rng.Next(authorFollowerList.Length)]
                    : u < 0.40 && parentList.Length > 0 ? parentList[rng.Next(parentList.Length)]
                    : 1 + rng.Next(PoolSize);
                if (candidate != node.Account)
                {
                    list.Add(candidate);
                }
            }

            lists[node.Account] = list;
        }

        // Likes.
        var likes = new List<(int Account, Node Post, long At)>();
        var liked = new HashSet<(int, Node)>();
        void AddLikes(Node post, int count, Func<int> liker, double medianMinutes, double sigma)
        {
            var added = 0;
            while (added < count)
            {
                var account = liker();
                if (account != post.Account && liked.Add((account, post)))
                {
                    likes.Add((account, post, Math.Min(end, post.At + Delay(medianMinutes, sigma))));
                    added++;
                }
            }
        }

        AddLikes(root, 70, () => authorFollowerList[rng.Next(authorFollowerList.Length)], 150, 1.2);
        AddLikes(root, 140, () => 1 + rng.Next(PoolSize), 300, 1.2);
        var largeList = largeFollowers.ToArray();
        AddLikes(large, 70, () => largeList[rng.Next(largeList.Length)], 30, 0.9);
        var likeTargets = reposts.Where(n => n != large).ToArray();
        var likeWeights = likeTargets.Select(n => 1.0 + n.Children).ToArray();
        for (var k = 0; k < 80; k++)
        {
            var post = likeTargets[PickWeighted(rng, likeWeights)];
            var followers = lists[post.Account].Where(x => x != Author).ToArray();
            AddLikes(post, 1, () => rng.NextDouble() < 0.7 ? followers[rng.Next(followers.Length)] : 1 + rng.Next(PoolSize), 90, 1.3);
        }

        // Replies: to the root, to reposts, and to replies (the author answers one, someone answers the author).
        var replies = new List<Reply>();
        for (var k = 0; k < 16; k++)
        {
            var account = k % 3 == 0 ? authorFollowerList[rng.Next(authorFollowerList.Length)] : 1 + rng.Next(PoolSize);
            replies.Add(new Reply(root, null, account, Math.Min(end, t0 + Delay(120, 1.3))));
        }

        var replyTargets = new List<Node> { large, large, large };
        replyTargets.AddRange(reposts.Where(n => n.Children >= 3 && n != large).Take(6));
        foreach (var post in replyTargets)
        {
            var followers = lists[post.Account].Where(x => x != Author).ToArray();
            replies.Add(new Reply(post, null, followers[rng.Next(followers.Length)], Math.Min(end, post.At + Delay(40, 1.0))));
        }

        var rootReplies = replies.Where(r => r.Target == root).OrderBy(r => r.At).ToList();
        var answered = rootReplies[1];
        var answer = new Reply(root, answered, Author, answered.At + TimeSpan.FromMinutes(12).Ticks);
        replies.Add(answer);
        replies.Add(new Reply(root, answer, answered.Account, answer.At + TimeSpan.FromMinutes(20).Ticks));
        replies.Add(new Reply(root, answer, 1 + rng.Next(PoolSize), answer.At + TimeSpan.FromMinutes(47).Ticks));
        var toLarge = replies.First(r => r.Target == large);
        replies.Add(new Reply(large, toLarge, Large, toLarge.At + TimeSpan.FromMinutes(6).Ticks));
        replies.Add(new Reply(root, rootReplies[5], 1 + rng.Next(PoolSize), rootReplies[5].At + TimeSpan.FromMinutes(33).Ticks));

        var orderedReplies = replies.OrderBy(r => r.At).ToList();
        for (var i = 0; i < orderedReplies.Count; i++)
        {
            orderedReplies[i].Id = $"mc-reply-{i + 1:D2}";
        }

        // Events.
        var events = new List<ReachEvent>();
        for (var i = 0; i < authorFollows.Length; i++)
        {
            events.Add(new ReachEvent
            {
                Type = EventType.Follow,
                AccountId = AuthorId,
                TargetId = Person(authorFollows[i]),
                At = t0 - TimeSpan.FromDays(40 - (5 * i)).Ticks,
            });
        }

        var snapshotAt = t0 - TimeSpan.TicksPerHour;
        var accounts = new List<int> { Author };
        accounts.AddRange(participants.Select(n => n.Account).Distinct());
        foreach (var account in accounts)
        {
            var list = lists[account];
            events.Add(new ReachEvent
            {
                Type = EventType.Account,
                AccountId = Person(account),
                Followers = list.Count,
                Handle = account switch
                {
                    Author => "curious.author",
                    Large => "big.voice",
                    _ => null,
                },
                At = snapshotAt,
            });
            events.Add(new ReachEvent
            {
                Type = EventType.Followers,
                AccountId = Person(account),
                FollowerIds = [.. list.Order().Select(Person)],
                At = snapshotAt,
            });
        }

        var timed = new List<ReachEvent>
        {
            new() { Type = EventType.Post, PostId = RootPostId, AccountId = AuthorId, Tags = ["question"], At = t0 },
        };
        foreach (var node in reposts)
        {
            timed.Add(new ReachEvent
            {
                Type = EventType.Repost,
                PostId = node.Id,
                AccountId = Person(node.Account),
                RootPostId = RootPostId,
                ParentPostId = node.Parent!.Id,
                At = node.At,
            });
        }

        foreach (var quote in quotes)
        {
            timed.Add(new ReachEvent
            {
                Type = EventType.Quote,
                PostId = quote.Id,
                AccountId = Person(quote.Account),
                QuotedPostId = RootPostId,
                At = quote.At,
            });
        }

        foreach (var (account, post, at) in likes)
        {
            timed.Add(new ReachEvent { Type = EventType.Like, AccountId = Person(account), PostId = post.Id, At = at });
        }

        foreach (var reply in orderedReplies)
        {
            timed.Add(new ReachEvent
            {
                Type = EventType.Reply,
                PostId = reply.Id,
                AccountId = Person(reply.Account),
                ParentPostId = reply.ParentReply?.Id ?? reply.Target.Id,
                At = reply.At,
            });
        }

        events.AddRange(timed.OrderBy(e => e.At));

        // Impressions: about one and a half times the distinct accounts reached.
        var reached = new HashSet<int>();
        foreach (var account in accounts)
        {
            reached.UnionWith(lists[account]);
        }

        events.Add(new ReachEvent
        {
            Type = EventType.Impressions,
            PostId = RootPostId,
            Count = reached.Count * 3L / 2 / 100 * 100,
            At = events[^1].At + TimeSpan.TicksPerHour,
        });

        return events.AsReadOnly();
    }

    private static string Person(int index) => index switch
    {
        Author => AuthorId,
        Large => LargeAccountId,
        _ => "mc-acct-" + index.ToString("D6", CultureInfo.InvariantCulture),
    };

    private static HashSet<int> SampleDistinct(Random rng, int count, Func<int, bool> allowed)
    {
        var set = new HashSet<int>();
        while (set.Count < count)
        {
            var x = 1 + rng.Next(PoolSize);
            if (allowed(x))
            {
                set.Add(x);
            }
        }

        return set;
    }

    private static int PickFrom(Random rng, int[] candidates, Func<int, bool> allowed)
    {
        var eligible = candidates.Where(allowed).ToArray();
        return eligible[rng.Next(eligible.Length)];
    }

    private static int PickStranger(Random rng, Func<int, bool> allowed)
    {
        while (true)
        {
            var x = 1 + rng.Next(PoolSize);
            if (allowed(x))
            {
                return x;
            }
        }
    }

    private static int PickWeighted(Random rng, double[] weights)
    {
        var u = rng.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }
}
