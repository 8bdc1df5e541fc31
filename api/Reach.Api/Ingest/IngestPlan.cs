using Reach.Analysis.Events;
using Reach.Grains;

namespace Reach.Api.Ingest;

internal sealed class PlannedNode(int line, string postId, string accountId, string? parentPostId, long at, bool isQuote)
{
    public int Line { get; } = line;
    public string PostId { get; } = postId;
    public string AccountId { get; } = accountId;
    public string? ParentPostId { get; } = parentPostId;
    public long At { get; } = at;
    public bool IsQuote { get; } = isQuote;
    public ItemOutcome? Outcome { get; set; }
}

internal sealed record PlannedRoot(int Line, RootEvent Event);

internal sealed record PlannedImpressions(int Line, long Count, long At);

/// <summary>Post <paramref name="PostId"/> belongs to the cascade of <paramref name="RootPostId"/>.</summary>
internal sealed record PlannedDefine(int? Line, string PostId, string RootPostId, bool Final);

internal sealed record PlannedReference(int? Line, PostReference Reference);

/// <summary>Everything of one batch that goes to one cascade grain.</summary>
internal sealed class CascadeWork
{
    public List<PlannedRoot> Roots { get; } = [];
    public List<PlannedNode> Nodes { get; } = [];
    public List<PlannedImpressions> Impressions { get; } = [];

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

    public void DropNodes(IReadOnlySet<int> lines)
    {
        if (Nodes.RemoveAll(n => lines.Contains(n.Line)) > 0)
        {
            _batch = null;
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

/// <summary>Follower-graph events of one batch that go to one account grain.</summary>
internal sealed class AccountWork
{
    public List<(int Line, string Follower, bool Follows, long At)> Edges { get; } = [];
    public List<(int Line, string[] Followers, long At)> Snapshots { get; } = [];

    public AccountBatch ToBatch() => new()
    {
        EdgeFollowers = [.. Edges.Select(e => e.Follower)],
        EdgeFollows = [.. Edges.Select(e => e.Follows)],
        EdgeTimes = [.. Edges.Select(e => e.At)],
        Snapshots = [.. Snapshots.Select(s => s.Followers)],
        SnapshotTimes = [.. Snapshots.Select(s => s.At)],
    };
}

/// <summary>A batch sorted by destination grain.</summary>
internal sealed class IngestPlan
{
    public Dictionary<string, CascadeWork> Cascades { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, AccountWork> Accounts { get; } = new(StringComparer.Ordinal);
    public Dictionary<int, ProfileWork> Profiles { get; } = [];
    public List<PlannedDefine> Defines { get; private set; } = [];
    public List<PlannedReference> References { get; private set; } = [];

    public static IngestPlan Build(IReadOnlyList<NumberedEvent> events)
    {
        var plan = new IngestPlan();
        foreach (var (line, e) in events)
        {
            switch (e.Type)
            {
                case EventType.Post:
                    plan.Cascade(e.PostId!).Roots.Add(new PlannedRoot(line, new RootEvent(e.AccountId!, e.At, IsQuote: false, e.Tags?.ToArray())));
                    plan.Defines.Add(new PlannedDefine(line, e.PostId!, e.PostId!, Final: true));
                    break;
                case EventType.Repost:
                    plan.Cascade(e.RootPostId!).Nodes.Add(new PlannedNode(line, e.PostId!, e.AccountId!, e.ParentPostId, e.At, isQuote: false));
                    plan.Defines.Add(new PlannedDefine(line, e.PostId!, e.RootPostId!, Final: true));
                    break;
                case EventType.Quote:
                    plan.Cascade(e.PostId!).Roots.Add(new PlannedRoot(line, new RootEvent(e.AccountId!, e.At, IsQuote: true, null)));
                    plan.Defines.Add(new PlannedDefine(line, e.PostId!, e.PostId!, Final: false));
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
                    plan.Profile(GrainKeys.ShardOf(e.AccountId!)).Profiles.Add((line, e.AccountId!, e.Followers!.Value, e.Handle, e.At));
                    break;
                case EventType.Follow or EventType.Unfollow:
                    plan.Account(e.TargetId!).Edges.Add((line, e.AccountId!, e.Type == EventType.Follow, e.At));
                    break;
                case EventType.Followers:
                    plan.Account(e.AccountId!).Snapshots.Add((line, [.. e.FollowerIds!], e.At));
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
            work.DropNodes(lines);
        }

        Defines = [.. Defines.Where(d => d.Line is not { } line || !lines.Contains(line))];
        References = [.. References.Where(r => r.Line is not { } line || !lines.Contains(line))];
    }

    private CascadeWork Cascade(string rootPostId)
    {
        if (!Cascades.TryGetValue(rootPostId, out var work))
        {
            Cascades[rootPostId] = work = new CascadeWork();
        }

        return work;
    }

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

/// <summary>Counts each line once; the first outcome recorded for a line stands.</summary>
internal sealed class LineTally(int received, IReadOnlyList<EventError> refused)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (ItemOutcome Outcome, string? Reason)> _outcomes = [];
    private readonly HashSet<int> _refused = [.. refused.Select(r => r.Line)];

    public void Record(int line, ItemOutcome outcome, string? reason)
    {
        lock (_lock)
        {
            _outcomes.TryAdd(line, (outcome, reason));
        }
    }

    public bool IsRefusedOrConflict(int line)
    {
        lock (_lock)
        {
            return _refused.Contains(line)
                || (_outcomes.TryGetValue(line, out var o) && o.Outcome is ItemOutcome.Conflict or ItemOutcome.Cycle);
        }
    }

    public IngestReport ToReport()
    {
        lock (_lock)
        {
            var conflicts = _outcomes.Where(o => o.Value.Outcome is ItemOutcome.Conflict or ItemOutcome.Cycle)
                .Select(o => new LineProblem(o.Key, o.Value.Reason ?? "conflicts with a stored event"))
                .OrderBy(p => p.Line).ToList();
            return new IngestReport(
                received,
                _outcomes.Count(o => o.Value.Outcome == ItemOutcome.Accepted),
                _outcomes.Count(o => o.Value.Outcome == ItemOutcome.Duplicate),
                conflicts,
                [.. refused.Select(r => new LineProblem(r.Line, r.Reason))]);
        }
    }
}
