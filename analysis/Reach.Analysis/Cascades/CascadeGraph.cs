using Reach.Analysis.Ids;

namespace Reach.Analysis.Cascades;

public enum NodeKind : byte
{
    Post,
    Repost,
    Quote,
}

/// <summary>How the edge into a node was decided.</summary>
public enum Attribution : byte
{
    /// <summary>The event named its parent and the parent is in the cascade.</summary>
    Explicit,

    /// <summary>No usable parent: the node hangs off the root.</summary>
    Root,

    /// <summary>No parent named: the most recent earlier node whose account the reposter follows (time-inferred).</summary>
    Inferred,
}

public enum AddOutcome : byte
{
    Added,
    Duplicate,
    Conflict,
    Cycle,
}

/// <summary>The result of adding one node: what happened and, for a conflict, why.</summary>
public readonly record struct AddResult(AddOutcome Outcome, string? Reason = null)
{
    public static readonly AddResult Added = new(AddOutcome.Added);
    public static readonly AddResult Duplicate = new(AddOutcome.Duplicate);
}

/// <summary>
/// One repost cascade held in compact arrays: node 0 is the root post, every other node a repost or
/// quote. Nodes may arrive in any order. A node whose named parent has not arrived yet hangs off the
/// root provisionally and moves under its parent when the parent arrives, so any permutation of the
/// same events ends in the same tree. A parent chain that would close a cycle is refused.
/// </summary>
public sealed partial class CascadeGraph
{
    private const byte ExplicitFlag = 1;
    private const byte UnresolvedFlag = 2;
    private const long UnknownTime = long.MinValue;

    private readonly IdTable _ids;
    private readonly IdTable _accounts;
    private int[] _parent;
    private long[] _at;
    private int[] _account;
    private byte[] _kind;
    private byte[] _flags;
    private int _count;

    // Only nodes whose named parent has not arrived are here; an ordered stream keeps both empty.
    private readonly Dictionary<string, List<int>> _waitingFor = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _declaredParentOf = [];

    private readonly HashSet<ulong> _likes = [];
    private readonly HashSet<ulong> _replies = [];

    public CascadeGraph(string rootPostId, int capacity = 16)
    {
        capacity = Math.Max(capacity, 1);
        _ids = new IdTable(capacity);
        _accounts = new IdTable(capacity);
        _parent = new int[capacity];
        _at = new long[capacity];
        _account = new int[capacity];
        _kind = new byte[capacity];
        _flags = new byte[capacity];
        _ids.GetOrAdd(rootPostId);
        _parent[0] = -1;
        _at[0] = UnknownTime;
        _account[0] = -1;
        _count = 1;
    }

    // Decoded once: ingest compares every parent a batch names with it.
    private string? _rootPostId;

    public string RootPostId => _rootPostId ??= _ids[0];

    /// <summary>True once the root post (or, for a quote's own cascade, the quote) has arrived.</summary>
    public bool RootKnown => _account[0] >= 0;

    public int NodeCount => _count;

    /// <summary>Nodes still waiting for their named parent (provisionally under the root).</summary>
    public int UnresolvedCount => _declaredParentOf.Count;

    public int LikeCount => _likes.Count;

    public int ReplyCount => _replies.Count;

    public long? Impressions { get; private set; }

    public long ImpressionsAt { get; private set; } = UnknownTime;

    /// <summary>Increases with every change, so derived values can be cached against it.</summary>
    public long Version { get; private set; }

    public IdTable Ids => _ids;

    /// <summary>The accounts of the nodes, each once; an account is only added with a node that names it.</summary>
    public IdTable Accounts => _accounts;

    public ReadOnlySpan<int> Parents => _parent.AsSpan(0, _count);

    public ReadOnlySpan<long> Times => _at.AsSpan(0, _count);

    public ReadOnlySpan<int> AccountOf => _account.AsSpan(0, _count);

    public NodeKind KindOf(int node) => (NodeKind)_kind[node];

    public Attribution AttributionOf(int node) =>
        (_flags[node] & (ExplicitFlag | UnresolvedFlag)) == ExplicitFlag ? Attribution.Explicit : Attribution.Root;

    /// <summary>Reposts and quotes attributed to the parent they named (<see cref="Attribution.Explicit"/>): their flags are exactly that one.</summary>
    public int ExplicitEdgeCount => _count > 1 ? _flags.AsSpan(1, _count - 1).Count(ExplicitFlag) : 0;

    /// <summary>Quotes among the nodes other than the root.</summary>
    public int QuoteCount => _count > 1 ? _kind.AsSpan(1, _count - 1).Count((byte)NodeKind.Quote) : 0;

    /// <summary>Whether some repost named no parent, so that its parent must be inferred from the follower graph.</summary>
    public bool AnyParentless
    {
        get
        {
            for (var i = 1; i < _count; i++)
            {
                if ((_flags[i] & ExplicitFlag) == 0)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Whether the node's event named a parent (for a quote: the quoted post), arrived or not.</summary>
    public bool ParentNamed(int node) => (_flags[node] & ExplicitFlag) != 0;

    /// <summary>The parent a node named but that has not arrived, if any.</summary>
    public string? UnresolvedParentOf(int node) => _declaredParentOf.GetValueOrDefault(node);

    public string? RootAccountId => RootKnown ? _accounts[_account[0]] : null;

    public long? RootTime => RootKnown ? _at[0] : null;

    public NodeKind RootKind => (NodeKind)_kind[0];

    /// <summary>Approximate bytes held by this graph's arrays and tables.</summary>
    public long FootprintBytes =>
        _ids.FootprintBytes + _accounts.FootprintBytes + (_parent.Length * 4L) + (_at.Length * 8L)
        + (_account.Length * 4L) + _kind.Length + _flags.Length + ((_likes.Count + _replies.Count) * 16L)
        + (_declaredParentOf.Count * 64L);

    /// <summary>Sets the root: the original post, or the quote whose own cascade this is.</summary>
    public AddResult SetRoot(string accountId, long at, NodeKind kind = NodeKind.Post)
    {
        if (RootKnown)
        {
            return _accounts[_account[0]] == accountId && _at[0] == at && _kind[0] == (byte)kind
                ? AddResult.Duplicate
                : new AddResult(AddOutcome.Conflict, $"post '{RootPostId}' was already stored with different fields");
        }

        _account[0] = _accounts.GetOrAdd(accountId);
        _at[0] = at;
        _kind[0] = (byte)kind;
        Version++;
        return AddResult.Added;
    }

    /// <summary>
    /// Overlaps the cache misses of adding a batch of nodes: add them with <see cref="AddNextNode"/>,
    /// in the batch's order.
    /// </summary>
    public NodeLookahead LookAhead(
        ReadOnlySpan<string?> postIds, ReadOnlySpan<string?> accountIds, ReadOnlySpan<string?> parentPostIds) =>
        new(new IdLookahead(_ids, postIds), new IdLookahead(_accounts, accountIds), new IdLookahead(_ids, parentPostIds));

    public ref struct NodeLookahead(IdLookahead posts, IdLookahead accounts, IdLookahead parents)
    {
        internal IdLookahead Posts = posts;
        internal IdLookahead Accounts = accounts;
        internal IdLookahead Parents = parents;
    }

    /// <summary><see cref="AddNode"/> of the next node of the batch <paramref name="nodes"/> looks ahead in.</summary>
    public AddResult AddNextNode(ref NodeLookahead nodes, long at, NodeKind kind)
    {
        nodes.Posts.Advance();
        nodes.Accounts.Advance();
        nodes.Parents.Advance();
        return Add(
            new HashedId(nodes.Posts.Current!, nodes.Posts.CurrentHash),
            new HashedId(nodes.Accounts.Current!, nodes.Accounts.CurrentHash),
            nodes.Parents.Current is { } parent ? new HashedId(parent, nodes.Parents.CurrentHash) : null,
            at,
            kind);
    }

    /// <summary>An id and its hash in the id tables, when already computed.</summary>
    private readonly record struct HashedId(string Id, int Hash = IdTable.UnknownHash);

    /// <summary>Adds a repost or quote; <paramref name="parentPostId"/> null means "not known" (root).</summary>
    public AddResult AddNode(string postId, string accountId, string? parentPostId, long at, NodeKind kind) =>
        Add(new HashedId(postId), new HashedId(accountId), parentPostId is null ? null : new HashedId(parentPostId), at, kind);

    private AddResult Add(HashedId post, HashedId account, HashedId? parent, long at, NodeKind kind)
    {
        var (postId, accountId, parentPostId) = (post.Id, account.Id, parent?.Id);
        var existing = _ids.IndexOf(postId, post.Hash);
        if (existing == 0)
        {
            return new AddResult(AddOutcome.Conflict, $"'{postId}' is the root of this cascade, not a repost of it");
        }

        if (existing > 0)
        {
            return SameNode(existing, accountId, parentPostId, at, kind)
                ? AddResult.Duplicate
                : new AddResult(AddOutcome.Conflict, $"'{postId}' was already stored with different fields");
        }

        var named = parentPostId is not null && parentPostId != RootPostId;
        if (named && CreatesCycle(postId, parentPostId!))
        {
            return new AddResult(AddOutcome.Cycle, $"parent chain of '{postId}' through '{parentPostId}' would form a cycle");
        }

        var node = _ids.GetOrAdd(postId, post.Hash, out _);
        EnsureCapacity(node + 1);
        _count = node + 1;
        _account[node] = _accounts.GetOrAdd(accountId, account.Hash, out _);
        _at[node] = at;
        _kind[node] = (byte)kind;
        _flags[node] = parentPostId is null ? (byte)0 : ExplicitFlag;
        _parent[node] = 0;
        if (named)
        {
            var parentNode = _ids.IndexOf(parentPostId!, parent!.Value.Hash);
            if (parentNode > 0)
            {
                _parent[node] = parentNode;
            }
            else
            {
                _flags[node] |= UnresolvedFlag;
                _declaredParentOf[node] = parentPostId!;
                if (!_waitingFor.TryGetValue(parentPostId!, out var waiting))
                {
                    _waitingFor[parentPostId!] = waiting = [];
                }

                waiting.Add(node);
            }
        }

        if (_waitingFor.Remove(postId, out var children))
        {
            foreach (var child in children)
            {
                _parent[child] = node;
                _flags[child] &= unchecked((byte)~UnresolvedFlag);
                _declaredParentOf.Remove(child);
            }
        }

        Version++;
        return AddResult.Added;
    }

    /// <summary>
    /// Which of <paramref name="candidates"/> (postId, named parent), added in order, would close a
    /// cycle — without changing the graph. Used to reject a whole batch before anything is stored.
    /// </summary>
    public IReadOnlyList<int> FindCycles(IReadOnlyList<(string PostId, string? ParentPostId)> candidates)
    {
        List<int>? cycles = null;

        // The candidates not stored yet, by id, with their parents (the first of an id's candidates
        // is the one stored; a later one with another parent is a conflict, not a cycle). Built
        // only when a candidate is awaited: most batches name only stored or earlier parents.
        Dictionary<string, string?>? pending = null;

        // Parents named so far: an id none of them names cannot close a cycle. Until the map is
        // built this also holds the parents of repeated ids; that only lets more candidates
        // through to the walk, which alone decides.
        var pendingParents = new HashSet<string>(candidates.Count, StringComparer.Ordinal);
        for (var i = 0; i < candidates.Count; i++)
        {
            var (postId, parent) = candidates[i];
            if (parent is null || parent == RootPostId)
            {
                pending?.TryAdd(postId, parent);
                continue;
            }

            // Only an id that something waits for can close a cycle, so only for those does it
            // matter whether the id is stored already (a stored id is a repeat, not a new node).
            // Repeats of stored ids may enter the pending map: the walk reads stored parents first.
            if (Awaited(postId, parent, pendingParents) && _ids.IndexOf(postId) < 0)
            {
                pending ??= Pending(candidates, i);
                if (!pending.ContainsKey(postId) && ParentsLeadBackTo(postId, parent, pending))
                {
                    (cycles ??= []).Add(i);
                    continue;
                }
            }

            if (pending?.TryAdd(postId, parent) ?? true)
            {
                pendingParents.Add(parent);
            }
        }

        return cycles ?? (IReadOnlyList<int>)[];
    }

    /// <summary>The first <paramref name="count"/> candidates by id, the first of each id winning; none of them closed a cycle.</summary>
    private static Dictionary<string, string?> Pending(IReadOnlyList<(string PostId, string? ParentPostId)> candidates, int count)
    {
        var pending = new Dictionary<string, string?>(candidates.Count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            pending.TryAdd(candidates[i].PostId, candidates[i].ParentPostId);
        }

        return pending;
    }

    /// <summary>Records a like, keyed by (account, liked post); returns false for a repeat.</summary>
    public bool AddLike(string accountId, string postId)
    {
        var added = _likes.Add(IdHash.Of(accountId, postId));
        Version += added ? 1 : 0;
        return added;
    }

    /// <summary>Records a reply, keyed by the reply's own id; returns false for a repeat.</summary>
    public bool AddReply(string replyPostId)
    {
        var added = _replies.Add(IdHash.Of(replyPostId));
        Version += added ? 1 : 0;
        return added;
    }

    /// <summary>Platform impressions: the report with the latest time wins (a tie keeps the larger count).</summary>
    public bool SetImpressions(long count, long at)
    {
        if (at < ImpressionsAt || (at == ImpressionsAt && count <= Impressions))
        {
            return false;
        }

        Impressions = count;
        ImpressionsAt = at;
        Version++;
        return true;
    }

    public int IndexOf(string postId) => _ids.IndexOf(postId);

    private bool SameNode(int node, string accountId, string? parentPostId, long at, NodeKind kind)
    {
        if (_accounts[_account[node]] != accountId || _at[node] != at || _kind[node] != (byte)kind)
        {
            return false;
        }

        var explicitParent = (_flags[node] & ExplicitFlag) != 0;
        if (parentPostId is null || !explicitParent)
        {
            return parentPostId is null && !explicitParent;
        }

        var storedParent = _declaredParentOf.TryGetValue(node, out var unresolved) ? unresolved : _ids[_parent[node]];
        return storedParent == parentPostId;
    }

    /// <summary>
    /// Whether naming <paramref name="parentPostId"/> as parent of the new node <paramref name="postId"/>
    /// closes a cycle: only possible when something already waits for <paramref name="postId"/>.
    /// </summary>
    private bool CreatesCycle(string postId, string parentPostId) =>
        Awaited(postId, parentPostId, pendingParents: null) && ParentsLeadBackTo(postId, parentPostId, pending: null);

    private bool Awaited(string postId, string parentPostId, HashSet<string>? pendingParents) =>
        parentPostId == postId || _waitingFor.ContainsKey(postId) || (pendingParents?.Contains(postId) ?? false);

    /// <summary>
    /// Whether following declared parents from <paramref name="parentPostId"/>, through stored nodes
    /// and then through <paramref name="pending"/> ones not stored, comes back to <paramref name="postId"/>.
    /// </summary>
    private bool ParentsLeadBackTo(string postId, string parentPostId, Dictionary<string, string?>? pending)
    {
        var name = parentPostId;
        var maxSteps = _count + (pending?.Count ?? 0);
        for (var steps = 0; steps <= maxSteps; steps++)
        {
            if (name == postId)
            {
                return true;
            }

            string? next;
            var node = _ids.IndexOf(name);
            if (node > 0)
            {
                // Stored nodes lead to the root through stored parents, unless one of them names a
                // parent not stored yet: climb by index, without decoding the names in between.
                string? declared;
                while (!_declaredParentOf.TryGetValue(node, out declared) && node > 0 && steps <= maxSteps)
                {
                    node = _parent[node];
                    steps++;
                }

                next = declared;
            }
            else if (node < 0 && pending is not null && pending.TryGetValue(name, out var pendingParent))
            {
                next = pendingParent;
            }
            else
            {
                return false;
            }

            if (next is null || next == RootPostId)
            {
                return false;
            }

            name = next;
        }

        return true;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _parent.Length)
        {
            return;
        }

        var size = Math.Max(needed, _parent.Length * 2);
        Array.Resize(ref _parent, size);
        Array.Resize(ref _at, size);
        Array.Resize(ref _account, size);
        Array.Resize(ref _kind, size);
        Array.Resize(ref _flags, size);
    }
}
