using Reach.Analysis.Audience;
using Reach.Analysis.Ids;

namespace Reach.Analysis.Tests;

public sealed class FollowerSetTests
{
    private static ulong H(string id) => IdHash.Of(id);

    [Fact]
    public void For_each_pair_the_latest_event_wins_and_unfollow_wins_a_tie()
    {
        var set = new FollowerSet();
        set.ApplyPair(H("a"), true, 10);
        set.ApplyPair(H("a"), false, 5);   // older: superseded
        set.ApplyPair(H("b"), true, 10);
        set.ApplyPair(H("b"), false, 10);  // same time: unfollow wins
        set.ApplyPair(H("c"), false, 10);
        set.ApplyPair(H("c"), true, 10);   // same time, arriving later: unfollow still wins

        Assert.True(set.Contains("a"));
        Assert.False(set.Contains("b"));
        Assert.False(set.Contains("c"));
        Assert.Equal(1, set.Count);
        Assert.Equal(FollowOutcome.Duplicate, set.ApplyPair(H("a"), true, 10));
    }

    [Fact]
    public void A_follower_list_replaces_the_set_as_of_its_time_and_later_pair_events_apply_on_top()
    {
        var set = new FollowerSet();
        set.ApplyPair(H("early"), true, 5);
        set.ApplySnapshot(FollowerSet.HashList(["a", "b", "c"]), 10);
        set.ApplyPair(H("a"), false, 11);
        set.ApplyPair(H("d"), true, 12);
        set.ApplyPair(H("b"), false, 9); // before the list: the list stands

        Assert.Equal(["b", "c", "d"], new[] { "a", "b", "c", "d", "early" }.Where(set.Contains));
        Assert.Equal(3, set.Count);
        Assert.Equal(FollowerSet.HashList(["b", "c", "d"]), set.Members());
        Assert.Equal(FollowOutcome.Superseded, set.ApplySnapshot(FollowerSet.HashList(["z"]), 9));
    }

    [Fact]
    public void Two_lists_for_the_same_instant_are_united()
    {
        var set = new FollowerSet();
        set.ApplySnapshot(FollowerSet.HashList(["a", "b"]), 10);
        set.ApplySnapshot(FollowerSet.HashList(["b", "c"]), 10);

        Assert.Equal(3, set.Count);
        Assert.Equal(FollowOutcome.Duplicate, set.ApplySnapshot(FollowerSet.HashList(["c"]), 10));
    }

    [Fact]
    public void Any_order_of_the_same_follower_events_gives_the_same_set()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var events = new List<Action<FollowerSet>>();
            for (var i = 0; i < random.Next(1, 60); i++)
            {
                var (follower, follows, at) = (H($"f{random.Next(20)}"), random.Next(2) == 0, (long)random.Next(30));
                events.Add(set => set.ApplyPair(follower, follows, at));
            }

            for (var i = 0; i < random.Next(0, 3); i++)
            {
                var list = FollowerSet.HashList([.. Enumerable.Range(0, random.Next(0, 15)).Select(_ => $"f{random.Next(20)}")]);
                var at = (long)random.Next(30);
                events.Add(set => set.ApplySnapshot(list, at));
            }

            var reference = new FollowerSet();
            events.ForEach(e => e(reference));
            var shuffled = new FollowerSet();
            foreach (var e in events.OrderBy(_ => random.Next()).Concat(events))
            {
                e(shuffled);
            }

            Assert.Equal(reference.Members(), shuffled.Members());
            Assert.Equal(reference.Count, shuffled.Count);
            Assert.True(reference.Sketch().SameRegisters(shuffled.Sketch()));
        }
    }

    [Fact]
    public void The_sketch_is_kept_current_through_follows_and_unfollows()
    {
        var set = new FollowerSet();
        set.ApplySnapshot(FollowerSet.HashList([.. Enumerable.Range(0, 5000).Select(i => $"f{i}")]), 1);
        _ = set.Sketch();
        set.ApplyPair(H("new"), true, 2);
        set.ApplyPair(H("f7"), false, 2);

        var rebuilt = new HyperLogLog();
        rebuilt.AddHashes(set.Members());
        Assert.True(rebuilt.SameRegisters(set.Sketch()));
        Assert.Equal(rebuilt.ToBytes(), set.SketchBytes());
    }

    [Fact]
    public void The_stored_image_gives_back_the_same_set()
    {
        var set = new FollowerSet();
        set.ApplySnapshot(FollowerSet.HashList(["a", "b", "c"]), 10);
        for (var i = 0; i < 10_000; i++)
        {
            set.ApplyPair(H($"p{i}"), i % 3 != 0, 11 + (i % 7));
        }

        var copy = FollowerSet.FromImage(set.ToImage());

        Assert.Equal(set.Members(), copy.Members());
        Assert.Equal(set.Count, copy.Count);
        Assert.Equal(FollowOutcome.Duplicate, copy.ApplyPair(H("p1"), true, 12));
    }

    [Fact]
    public void Candidates_that_follow_are_found_whether_few_or_many()
    {
        var set = new FollowerSet();
        set.ApplySnapshot(FollowerSet.HashList([.. Enumerable.Range(0, 1000).Select(i => $"f{i}")]), 1);
        set.ApplyPair(H("late"), true, 2);
        set.ApplyPair(H("f3"), false, 2);
        ulong[] few = [.. new[] { "x", "f3", "f5", "late" }.Select(H).Order()];
        ulong[] many = [.. Enumerable.Range(0, 5000).Select(i => H(i % 2 == 0 ? $"f{i}" : $"g{i}")).Order()];
        ulong[] members = [.. new[] { "f5", "late" }.Select(H)];
        var expected = Enumerable.Range(0, 5000).Where(i => i % 2 == 0 && i < 1000 && i != 3).Select(i => H($"f{i}")).ToHashSet();

        Assert.Equal([.. few.Select((h, i) => (h, i)).Where(c => members.Contains(c.h)).Select(c => c.i)], set.IndexesOfMembers(few));
        Assert.Equal([.. many.Select((h, i) => (h, i)).Where(c => expected.Contains(c.h)).Select(c => c.i)], set.IndexesOfMembers(many));
        Assert.Throws<ArgumentException>(() => set.IndexesOfMembers([.. few.Reverse()]));
    }

    [Fact]
    public void Ten_million_followers_fit_in_eight_bytes_each_and_a_follow_does_not_rewrite_them()
    {
        var hashes = new ulong[10_000_000];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = (ulong)i * 0x9E3779B97F4A7C15UL;
        }

        var set = new FollowerSet();
        set.ApplySnapshot(hashes, 1);
        var members = set.Members();
        set.ApplyPair(H("one more"), false, 2); // not a member: membership unchanged

        Assert.Equal(10_000_000, set.Count);
        Assert.Same(members, set.Members());
        Assert.InRange(set.FootprintBytes, 80_000_000, 81_000_000);
        set.ApplyPair(H("one more"), true, 3);
        Assert.Equal(10_000_001, set.Count);
        Assert.True(set.Contains("one more"));
    }
}
