using System.IO.Hashing;
using System.Runtime.InteropServices;
using Reach.Analysis.Events;
using Reach.Api.Ingest;

namespace Reach.Api.Tests;

public sealed class IngestPlanTests
{
    public static TheoryData<ReachEvent> PostLikeEvents() =>
    [
        new ReachEvent { Type = EventType.Post, PostId = "p", AccountId = "author", At = 638_000_000_000_000_000 },
        new ReachEvent { Type = EventType.Repost, PostId = "r", AccountId = "a", RootPostId = "p", ParentPostId = "q", At = -1 },
        new ReachEvent { Type = EventType.Repost, PostId = "r", AccountId = "a", RootPostId = "p", At = long.MaxValue },
        new ReachEvent { Type = EventType.Quote, PostId = "q", AccountId = "é-😀", QuotedPostId = "p", At = 0 },
        new ReachEvent
        {
            Type = EventType.Reply, PostId = new string('x', 128), AccountId = new string('a', 128), RootPostId = new string('é', 128),
            ParentPostId = new string('p', 128), QuotedPostId = new string('q', 128), At = long.MinValue,
        },
    ];

    [Theory]
    [MemberData(nameof(PostLikeEvents))]
    public void A_fingerprint_is_the_hash_the_directory_stored_before_it_was_computed_in_one_pass(ReachEvent e)
    {
        Assert.Equal(StreamedFingerprint(e), IngestPlan.Fingerprint(e));
    }

    [Fact]
    public void Events_that_differ_in_any_identifying_field_have_different_fingerprints()
    {
        var repost = new ReachEvent { Type = EventType.Repost, PostId = "r", AccountId = "a", RootPostId = "p", ParentPostId = "q", At = 5 };
        ReachEvent[] others =
        [
            repost with { AccountId = "b" },
            repost with { RootPostId = "p2" },
            repost with { ParentPostId = null },
            repost with { ParentPostId = "p" },
            repost with { At = 6 },
            repost with { Type = EventType.Quote },
            repost with { AccountId = "ap", RootPostId = "" },
        ];

        Assert.Equal(IngestPlan.Fingerprint(repost), IngestPlan.Fingerprint(repost with { PostId = "another id" }));
        Assert.All(others, other => Assert.NotEqual(IngestPlan.Fingerprint(repost), IngestPlan.Fingerprint(other)));
    }

    /// <summary>The layout as earlier versions hashed it, part by part through a streaming hasher.</summary>
    private static ulong StreamedFingerprint(ReachEvent e)
    {
        var hash = new XxHash3();
        foreach (var part in new[] { ReachEvent.TypeName(e.Type), e.AccountId, e.RootPostId, e.ParentPostId, e.QuotedPostId })
        {
            hash.Append(MemoryMarshal.AsBytes((part ?? "\0null").AsSpan()));
            hash.Append([0, 0]);
        }

        hash.Append(BitConverter.GetBytes(e.At));
        return hash.GetCurrentHashAsUInt64();
    }
}
