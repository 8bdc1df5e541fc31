using System.Numerics;
using Reach.Analysis.Ids;
using Reach.Grains.Journal;

namespace Reach.Grains;

/// <summary>
/// A shard of the post directory. For each post id it knows the cascades the post belongs to
/// (a post: its own; a repost: its root's; a quote: its own and its quoted post's; a reply: its
/// parent's) and which likes, replies and quotes depend on it. Defining a post answers with the
/// deliveries that became possible; referencing a post answers with deliveries to the cascades
/// already known and keeps the reference for cascades found later.
/// </summary>
public sealed class PostDirectoryGrain(
    [PersistentState("post-directory", ReachStorage.Name)] IPersistentState<DirectoryState> state,
    GrainJournals journals) : Grain, IPostDirectoryGrain
{
    private IdTable _posts = new(1024);
    private IdTable _roots = new(1024);
    private int[] _rootOf = new int[1024];
    private bool[] _final = new bool[1024];
    private ulong[] _claims = new ulong[1024];
    private bool[] _isReply = new bool[1024];
    private readonly Dictionary<int, List<int>> _moreRoots = [];
    private readonly Dictionary<int, List<PostReference>> _dependents = [];
    private readonly UInt64Set _seenReferences = new();
    private bool _dirty;
    private GrainJournal<DirectoryBatch, DirectoryState> _journal = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var s = state.State;
        if (s.PostIdEnds.Length > 0)
        {
            LoadCompact(s);
        }

        for (var i = 0; i < s.PostIds.Length; i++)
        {
            var post = Post(s.PostIds[i]); // may grow the columns: index them after it
            foreach (var root in s.Roots[i])
            {
                AddRoot(post, root);
            }

            _final[post] = s.Final[i];
            _claims[post] = s.Claims[i];
            _isReply[post] = s.IsReply[i];
        }

        foreach (var dependent in s.Dependents)
        {
            var post = Post(dependent.TargetId);
            Dependents(post).Add(dependent);
        }

        _seenReferences.UnionWith(s.SeenReferences);
        _journal = journals.For<DirectoryBatch, DirectoryState>(
            this, "directory:" + this.GetPrimaryKeyString(), state, Snapshot,
            () => (64L * _posts.Count) + (8L * _seenReferences.Count) + (64L * _dependents.Count),
            quickReplay: true, codec: DirectoryBatchCodec.Instance);
        await _journal.ReplayAsync(batch => Apply(batch), cancellationToken);
        ReachMeters.Activated("post_directory");
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ReachMeters.Deactivated("post_directory");
        return _journal.OnDeactivateAsync(reason, cancellationToken);
    }

    private void LoadCompact(DirectoryState s)
    {
        _posts = IdTable.Import(s.PostIdsUtf8, s.PostIdEnds);
        _roots = IdTable.Import(s.RootIdsUtf8, s.RootIdEnds);
        var count = _posts.Count;
        var size = Math.Max(1024, (int)BitOperations.RoundUpToPowerOf2((uint)count));
        (_rootOf, _final, _claims, _isReply) = (new int[size], new bool[size], new ulong[size], new bool[size]);
        s.FirstRoots.CopyTo(_rootOf, 0);
        s.Final.CopyTo(_final, 0);
        s.Claims.CopyTo(_claims, 0);
        s.IsReply.CopyTo(_isReply, 0);
        for (var i = 0; i < s.MoreRootPosts.Length; i++)
        {
            if (!_moreRoots.TryGetValue(s.MoreRootPosts[i], out var more))
            {
                _moreRoots[s.MoreRootPosts[i]] = more = [];
            }

            more.Add(s.MoreRoots[i]);
        }
    }

    private DirectoryState Snapshot(long journalSequence)
    {
        var (postIds, postEnds) = _posts.Export();
        var (rootIds, rootEnds) = _roots.Export();
        var moreRoots = _moreRoots.SelectMany(entry => entry.Value.Select(root => (Post: entry.Key, Root: root))).ToList();
        return new()
        {
            PostIdsUtf8 = postIds,
            PostIdEnds = postEnds,
            RootIdsUtf8 = rootIds,
            RootIdEnds = rootEnds,
            FirstRoots = _rootOf[.._posts.Count],
            MoreRootPosts = [.. moreRoots.Select(m => m.Post)],
            MoreRoots = [.. moreRoots.Select(m => m.Root)],
            Final = _final[.._posts.Count],
            Dependents = [.. _dependents.Values.SelectMany(d => d)],
            SeenReferences = [.. _seenReferences],
            Claims = _claims[.._posts.Count],
            IsReply = _isReply[.._posts.Count],
            JournalSequence = journalSequence,
        };
    }

    public Task<int> CountWaitingAsync(string postId)
    {
        var post = _posts.IndexOf(postId);
        return Task.FromResult(post >= 0 && _rootOf[post] < 0 && _dependents.TryGetValue(post, out var waiting) ? waiting.Count : 0);
    }

    public Task<DirectoryResult> ApplyAsync(DirectoryBatch batch)
    {
        _dirty = false;
        var result = Apply(batch);
        return Task.FromResult(result with { Commit = _dirty ? _journal.Append(batch) : _journal.Pending });
    }

    public Task WhenCommittedAsync(JournalTicket ticket) => _journal.WhenCommittedAsync(ticket);

    private DirectoryResult Apply(DirectoryBatch batch)
    {
        var deliveries = new List<Delivery>();
        var conflicts = new bool[batch.ClaimIds.Length];
        var claims = new IdLookahead(_posts, batch.ClaimIds);
        for (var i = 0; i < conflicts.Length; i++)
        {
            claims.Advance();
            var post = Placed(claims.GetOrAddCurrent(out var added), added);
            var fingerprint = batch.ClaimFingerprints[i] | 1; // 0 marks an unclaimed id
            if (_claims[post] == 0)
            {
                _claims[post] = fingerprint;
                _dirty = true;
            }

            conflicts[i] = _claims[post] != fingerprint;
            _isReply[post] |= !conflicts[i] && batch.ClaimIsReply[i];
            if (!conflicts[i] && batch.ClaimRoots[i] is { } root)
            {
                Define(post, root, batch.ClaimFinal[i], deliveries);
            }
        }

        for (var i = 0; i < batch.DefineIds.Length; i++)
        {
            Define(Post(batch.DefineIds[i]), batch.DefineRoots[i], batch.DefineFinal[i], deliveries);
        }

        var references = batch.References;
        var keys = new ulong[references.Length];
        var targets = new string[references.Length];
        for (var i = 0; i < references.Length; i++)
        {
            keys[i] = KeyOf(references[i]);
            _seenReferences.Prefetch(keys[i]);
            targets[i] = references[i].TargetId;
        }

        var isNew = new bool[references.Length];
        var targetLookahead = new IdLookahead(_posts, targets);
        for (var i = 0; i < references.Length; i++)
        {
            targetLookahead.Advance();
            var reference = references[i];
            isNew[i] = _seenReferences.Add(keys[i]);
            var post = Placed(targetLookahead.GetOrAddCurrent(out var added), added);
            if (_rootOf[post] >= 0 && Counts(reference, post))
            {
                deliveries.Add(new Delivery(reference, _roots[_rootOf[post]]));
                if (_moreRoots.TryGetValue(post, out var more))
                {
                    foreach (var root in more)
                    {
                        deliveries.Add(new Delivery(reference, _roots[root]));
                    }
                }
            }

            if (isNew[i] && !_final[post])
            {
                Dependents(post).Add(reference);
            }

            _dirty |= isNew[i];
        }

        return new DirectoryResult([.. deliveries], isNew, conflicts);
    }

    private void Define(int post, string rootPostId, bool final, List<Delivery> deliveries)
    {
        var added = AddRoot(post, rootPostId);
        _dirty |= added;
        if (added && _dependents.TryGetValue(post, out var waiting))
        {
            // A loop, not a lambda: a closure over the parameters would be allocated on every call.
            foreach (var reference in waiting)
            {
                if (Counts(reference, post))
                {
                    deliveries.Add(new Delivery(reference, rootPostId));
                }
            }
        }

        if (final && !_final[post])
        {
            // Nothing can join this post's cascades later: its dependents need not be kept.
            _final[post] = true;
            _dependents.Remove(post);
            _dirty = true;
        }
    }

    /// <summary>Likes count for the root and the nodes of a cascade; a reply is not a node.</summary>
    private bool Counts(PostReference reference, int target) => reference.Kind != ReferenceKind.Like || !_isReply[target];

    private static ulong KeyOf(PostReference reference) => reference.Kind switch
    {
        ReferenceKind.Like => IdHash.Of("like:", reference.AccountId, reference.TargetId),
        _ => IdHash.Of("post:", reference.SourceId, reference.TargetId),
    };

    private int Post(string postId) => Placed(_posts.GetOrAdd(postId, out var added), added);

    /// <summary>The post's index, with room made for it in the columns when it was just added.</summary>
    private int Placed(int post, bool added)
    {
        if (added && post >= _rootOf.Length)
        {
            Array.Resize(ref _rootOf, _rootOf.Length * 2);
            Array.Resize(ref _final, _final.Length * 2);
            Array.Resize(ref _claims, _claims.Length * 2);
            Array.Resize(ref _isReply, _isReply.Length * 2);
        }

        if (added)
        {
            _rootOf[post] = -1;
        }

        return post;
    }

    private bool AddRoot(int post, string rootPostId)
    {
        var root = _roots.GetOrAdd(rootPostId);
        if (_rootOf[post] < 0)
        {
            _rootOf[post] = root;
            return true;
        }

        if (_rootOf[post] == root)
        {
            return false;
        }

        if (!_moreRoots.TryGetValue(post, out var more))
        {
            _moreRoots[post] = more = [];
        }

        if (more.Contains(root))
        {
            return false;
        }

        more.Add(root);
        return true;
    }

    private List<PostReference> Dependents(int post)
    {
        if (!_dependents.TryGetValue(post, out var list))
        {
            _dependents[post] = list = [];
        }

        return list;
    }
}
