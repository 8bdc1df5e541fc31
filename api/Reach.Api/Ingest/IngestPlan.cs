using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Reach.Analysis.Audience;
using Reach.Analysis.Events;
using Reach.Analysis.Ids;
using Reach.Grains;

namespace Reach.Api.Ingest;

internal readonly record struct PlannedNode(int Line, string PostId, string AccountId, string? ParentPostId, long At, bool IsQuote);

internal sealed record PlannedRoot(int Line, RootEvent Event);

internal sealed record PlannedImpressions(int Line, long Count, long At);

/// <summary>Post <paramref name="PostId"/> belongs to the cascade of <paramref name="RootPostId"/>.</summary>
internal sealed record PlannedDefine(string PostId, string RootPostId, bool Final);

internal sealed record PlannedReference(int Line, PostReference Reference);

/// <summary>
/// The event on <paramref name="Line"/> claims <paramref name="PostId"/> with this fingerprint and,
/// when the claim holds, places the post in the cascade of <paramref name="RootPostId"/>.
/// </summary>
internal readonly record struct PlannedClaim(int Line, string PostId, ulong Fingerprint, string? RootPostId, bool Final, bool IsReply);

/// <summary>Everything of one batch that goes to one cascade grain.</summary>
internal sealed class CascadeWork
{
    public List<PlannedRoot> Roots { get; } = [];
    public List<PlannedNode> Nodes { get; } = [];
    public List<PlannedImpressions> Impressions { get; } = [];

    /// <summary>What the cascade made of each of <see cref="Nodes"/>, once applied.</summary>
    public ItemOutcome[]? NodeOutcomes { get; set; }

    private CascadeBatch? _batch;

    /// <summary>The grain message for this work, built once (until nodes are dropped).</summary>
    public CascadeBatch ToBatch() => _batch ??= new()
    {
        Roots = [.. Roots.Select(r => r.Event)],
        NodeIds = [.. Nodes.Select(n => n.PostId)],
        NodeAccounts = [.. Nodes.Select(n => n.AccountId)],
        NodeParents = [.. Nodes.Select(n => n.ParentPostId)],
        NodeTimes = [.. Nodes.Select(n => n.At)],
        NodeIsQuote = [.. Nodes.Select(n => n.IsQuote)],
        ImpressionCounts = [.. Impressions.Select(i => i.Count)],
        ImpressionTimes = [.. Impressions.Select(i => i.At)],
    };

    public void Drop(IReadOnlySet<int> lines)
    {
        if (Nodes.RemoveAll(n => lines.Contains(n.Line)) + Roots.RemoveAll(r => lines.Contains(r.Line)) > 0)
        {
            (_batch, NodeOutcomes) = (null, null);
        }
    }
}

/// <summary>Profile snapshots of one batch that go to one account index shard.</summary>
internal sealed class ProfileWork
{
    public List<(int Line, string AccountId, long Followers, string? Handle, long At)> Profiles { get; } = [];

    public ProfileBatch ToBatch() => new()
    {
        AccountIds = [.. Profiles.Select(p => p.AccountId)],
        Followers = [.. Profiles.Select(p => p.Followers)],
        Handles = [.. Profiles.Select(p => p.Handle)],
        Times = [.. Profiles.Select(p => p.At)],
    };
}

/// <summary>
/// Follower-graph events of one batch that go to one account grain, followers already hashed (and
/// lists sorted) here, so that the account grain's turn only merges.
/// </summary>
internal sealed class AccountWork
{
    public List<(int Line, ulong Follower, bool Follows, long At)> Edges { get; } = [];
    public List<(int Line, IReadOnlyList<string> Followers, long At)> Snapshots { get; } = [];

    public AccountBatch ToBatch() => new()
    {
        EdgeFollowerHashes = [.. Edges.Select(e => e.Follower)],
        EdgeFollows = [.. Edges.Select(e => e.Follows)],
        EdgeTimes = [.. Edges.Select(e => e.At)],
        SnapshotHashes = [.. Snapshots.Select(s => FollowerSet.ToBytes<ulong>(FollowerSet.HashList(s.Followers)))],
        SnapshotTimes = [.. Snapshots.Select(s => s.At)],
    };
}

/// <summary>A batch sorted by destination grain.</summary>
internal sealed class IngestPlan
{
    public Dictionary<string, CascadeWork> Cascades { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, AccountWork> Accounts { get; } = new(StringComparer.Ordinal);
    public Dictionary<int, ProfileWork> Profiles { get; } = [];
    public List<PlannedReference> References { get; private set; } = [];
    public List<PlannedClaim> Claims { get; private set; } = [];

    public static IngestPlan Build(IReadOnlyList<NumberedEvent> events, ShardLayout shards)
    {
        var plan = new IngestPlan { Claims = new List<PlannedClaim>(events.Count) };
        foreach (var (line, e) in events)
        {
            // Posts and reposts belong to known cascades for good; a quote's set grows with its quoted
            // post's; a reply's cascades are found through its parent.
            var (root, final) = e.Type switch
            {
                EventType.Post => (e.PostId, true),
                EventType.Repost => (e.RootPostId, true),
                EventType.Quote => (e.PostId, false),
                _ => (null, false),
            };
            if (e.Type is EventType.Post or EventType.Repost or EventType.Quote or EventType.Reply)
            {
                plan.Claims.Add(new PlannedClaim(line, e.PostId!, Fingerprint(e), root, final, e.Type == EventType.Reply));
            }

            switch (e.Type)
            {
                case EventType.Post:
                    plan.Cascade(e.PostId!).Roots.Add(new PlannedRoot(line, new RootEvent(e.AccountId!, e.At, IsQuote: false, e.Tags?.ToArray())));
                    break;
                case EventType.Repost:
                    plan.Cascade(e.RootPostId!).Nodes.Add(new PlannedNode(line, e.PostId!, e.AccountId!, e.ParentPostId, e.At, IsQuote: false));
                    break;
                case EventType.Quote:
                    plan.Cascade(e.PostId!).Roots.Add(new PlannedRoot(line, new RootEvent(e.AccountId!, e.At, IsQuote: true, null)));
                    plan.References.Add(new PlannedReference(line, new PostReference(ReferenceKind.Quote, e.QuotedPostId!, e.PostId!, e.AccountId!, e.At)));
                    break;
                case EventType.Reply:
                    plan.References.Add(new PlannedReference(line, new PostReference(ReferenceKind.Reply, e.ParentPostId!, e.PostId!, e.AccountId!, e.At)));
                    break;
                case EventType.Like:
                    plan.References.Add(new PlannedReference(line, new PostReference(ReferenceKind.Like, e.PostId!, "", e.AccountId!, e.At)));
                    break;
                case EventType.Impressions:
                    plan.Cascade(e.PostId!).Impressions.Add(new PlannedImpressions(line, e.Count!.Value, e.At));
                    break;
                case EventType.Account:
                    plan.Profile(shards.ShardOf(e.AccountId!)).Profiles.Add((line, e.AccountId!, e.Followers!.Value, e.Handle, e.At));
                    break;
                case EventType.Follow or EventType.Unfollow:
                    plan.Account(e.TargetId!).Edges.Add((line, IdHash.Of(e.AccountId!), e.Type == EventType.Follow, e.At));
                    break;
                case EventType.Followers:
                    plan.Account(e.AccountId!).Snapshots.Add((line, e.FollowerIds!, e.At));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(events), e.Type, "unhandled event type");
            }
        }

        return plan;
    }

    /// <summary>Removes the events on <paramref name="lines"/> (refused lines skipped by request).</summary>
    public void Drop(IReadOnlySet<int> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        foreach (var work in Cascades.Values)
        {
            work.Drop(lines);
        }

        Claims = [.. Claims.Where(c => !lines.Contains(c.Line))];

        References = [.. References.Where(r => !lines.Contains(r.Line))];
    }

    private CascadeWork Cascade(string rootPostId)
    {
        if (!Cascades.TryGetValue(rootPostId, out var work))
        {
            Cascades[rootPostId] = work = new CascadeWork();
        }

        return work;
    }

    /// <summary>
    /// A hash of the fields that make a post-like event what it is; the first stored wins. The
    /// directory keeps it, so it must not change: XxHash3 of, in order, the type name, account,
    /// root, parent and quoted post ids (UTF-16, "\0null" for none), each followed by two zero
    /// bytes, then the time's eight bytes: the value a streaming hasher gives for those parts, but
    /// as one hash over a stack buffer, in two thirds of the time (61 against 91 ns a repost).
    /// </summary>
    internal static ulong Fingerprint(ReachEvent e)
    {
        ReadOnlySpan<string?> parts = [ReachEvent.TypeName(e.Type), e.AccountId, e.RootPostId, e.ParentPostId, e.QuotedPostId];
        var length = sizeof(long);
        foreach (var part in parts)
        {
            length += ((part ?? NoValue).Length + 1) * sizeof(char);
        }

        var rented = length > FingerprintOnStackBytes ? ArrayPool<byte>.Shared.Rent(length) : null;
        var buffer = rented is null ? stackalloc byte[FingerprintOnStackBytes] : rented;
        var written = 0;
        foreach (var part in parts)
        {
            var bytes = MemoryMarshal.AsBytes((part ?? NoValue).AsSpan());
            bytes.CopyTo(buffer[written..]);
            written += bytes.Length;
            buffer[written++] = 0;
            buffer[written++] = 0;
        }

        BitConverter.TryWriteBytes(buffer[written..], e.At);
        var hash = XxHash3.HashToUInt64(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }

    private const string NoValue = "\0null";

    /// <summary>Five ids of the longest allowed length with their separators, and the time.</summary>
    private const int FingerprintOnStackBytes = (5 * (IdTable.MaxIdLength + 1) * sizeof(char)) + sizeof(long);

    private ProfileWork Profile(int shard)
    {
        if (!Profiles.TryGetValue(shard, out var work))
        {
            Profiles[shard] = work = new ProfileWork();
        }

        return work;
    }

    private AccountWork Account(string accountId)
    {
        if (!Accounts.TryGetValue(accountId, out var work))
        {
            Accounts[accountId] = work = new AccountWork();
        }

        return work;
    }
}

/// <summary>Counts each line once; the first outcome recorded for a line stands unless overruled.</summary>
internal sealed class LineTally(int received, int lastLine, IReadOnlyList<EventError> refused)
{
    private const int Unrecorded = 0;

    // Per line number, the outcome plus one. A batch's grain calls complete concurrently, so the
    // first recording of a line wins by compare-and-swap; a reason is written only by that winner
    // and read once every call has completed.
    private readonly int[] _outcomes = new int[lastLine + 1];
    private readonly string?[] _reasons = new string?[lastLine + 1];

    public void Record(int line, ItemOutcome outcome, string? reason)
    {
        if (Interlocked.CompareExchange(ref _outcomes[line], (int)outcome + 1, Unrecorded) == Unrecorded)
        {
            _reasons[line] = reason;
        }
    }

    /// <summary>Every line's outcome so far, in line order.</summary>
    public List<(int Line, ItemOutcome Outcome)> Outcomes()
    {
        var outcomes = new List<(int, ItemOutcome)>(received);
        for (var line = 0; line < _outcomes.Length; line++)
        {
            if (_outcomes[line] != Unrecorded)
            {
                outcomes.Add((line, (ItemOutcome)(_outcomes[line] - 1)));
            }
        }

        return outcomes;
    }

    /// <summary>Replaces a line's outcome: for a quote stored as its own cascade but refused under its quoted post.</summary>
    public void Overrule(int line, ItemOutcome outcome, string reason)
    {
        _outcomes[line] = (int)outcome + 1;
        _reasons[line] = reason;
    }

    public IngestReport ToReport()
    {
        var (accepted, duplicates, conflicts) = (0, 0, new List<LineProblem>());
        for (var line = 0; line < _outcomes.Length; line++)
        {
            switch (_outcomes[line] - 1)
            {
                case (int)ItemOutcome.Accepted:
                    accepted++;
                    break;
                case (int)ItemOutcome.Duplicate:
                    duplicates++;
                    break;
                case (int)ItemOutcome.Conflict or (int)ItemOutcome.Cycle:
                    conflicts.Add(new LineProblem(line, _reasons[line] ?? "conflicts with a stored event"));
                    break;
            }
        }

        return new IngestReport(received, accepted, duplicates, conflicts, [.. refused.Select(r => new LineProblem(r.Line, r.Reason))]);
    }
}
