using Reach.Analysis.Events;
using Reach.Grains;
using Reach.Grains.Journal;

namespace Reach.Api.Ingest;

/// <summary>
/// Routes a validated batch to the grains: one call per cascade, per directory shard and per
/// account, never one per event. A batch with a cycle-closing repost is refused before anything is
/// stored, unless invalid lines are to be skipped.
/// </summary>
public sealed class IngestService(IGrainFactory grains, ShardLayout shards, LocalCommits localCommits)
{
    public async Task<IngestOutcome> IngestAsync(
        IReadOnlyList<NumberedEvent> events, IReadOnlyList<EventError> invalid, bool skipInvalid, string tenant)
    {
        var plan = IngestPlan.Build(events, shards);
        var cycles = await FindCyclesAsync(plan, tenant);
        var refused = invalid.Concat(cycles).OrderBy(e => e.Line).ToList();
        var lastLine = LastLine(events, invalid);
        var counted = new EventCounts(events, lastLine);
        if (refused.Count > 0 && !skipInvalid)
        {
            // Nothing of the batch is stored: every line counts as rejected.
            counted.CountAllRejected(invalid.Count);
            return new IngestOutcome(null, refused);
        }

        plan.Drop(cycles.Select(c => c.Line).ToHashSet());
        var tally = new LineTally(invalid.Count + events.Count, lastLine, refused);
        var commits = new PendingCommits(localCommits);
        var (conflicts, deliveries) = await ClaimAsync(plan, tenant, tally, commits);
        plan.Drop(conflicts);
        var newPosts = await ApplyCascadesAsync(plan, tenant, tally, commits);
        await Task.WhenAll(
            IndexNewPostsAsync(newPosts, tenant),
            RecordRepostsMadeAsync(plan, tenant),
            ApplyProfilesAsync(plan, tenant, tally),
            ApplyAccountsAsync(plan, tenant, tally),
            RunDirectoryAsync(plan.References, deliveries, tenant, tally, commits));
        await commits.WhenAllCommittedAsync();
        counted.Count(tally.Outcomes(), refused);
        return new IngestOutcome(tally.ToReport(), null);
    }

    private static int LastLine(IReadOnlyList<NumberedEvent> events, IReadOnlyList<EventError> invalid)
    {
        var last = 0;
        foreach (var numbered in events)
        {
            last = Math.Max(last, numbered.Line);
        }

        foreach (var error in invalid)
        {
            last = Math.Max(last, error.Line);
        }

        return last;
    }

    private async Task<List<EventError>> FindCyclesAsync(IngestPlan plan, string tenant)
    {
        var checks = plan.Cascades
            .Where(c => c.Value.Nodes.Any(n => n.ParentPostId is not null && n.ParentPostId != c.Key))
            .Select(async c =>
            {
                var indexes = await Cascade(tenant, c.Key).FindCyclesAsync(c.Value.ToBatch());
                return indexes.Select(i => new EventError(
                    c.Value.Nodes[i].Line,
                    $"parent chain of '{c.Value.Nodes[i].PostId}' through '{c.Value.Nodes[i].ParentPostId}' would form a cycle"));
            });
        return [.. (await Task.WhenAll(checks)).SelectMany(e => e)];
    }

    /// <summary>
    /// Claims the batch's post ids in the directory, which also places posts, reposts and quotes in
    /// their cascades. Returns the lines that conflict with what was stored first, and the
    /// deliveries that placing the posts made possible.
    /// </summary>
    private async Task<(HashSet<int> Conflicts, List<Delivery> Deliveries)> ClaimAsync(IngestPlan plan, string tenant, LineTally tally, PendingCommits commits)
    {
        var claims = plan.Claims;
        var byShard = GroupByShard(claims.Count, i => claims[i].PostId);
        var results = await Task.WhenAll(byShard.Select((members, shard) => (Members: members, Shard: shard)).Where(s => s.Members is not null).Select(async s =>
        {
            var members = s.Members!;
            var batch = new DirectoryBatch
            {
                ClaimIds = new string[members.Length],
                ClaimFingerprints = new ulong[members.Length],
                ClaimRoots = new string?[members.Length],
                ClaimFinal = new bool[members.Length],
                ClaimIsReply = new bool[members.Length],
            };
            for (var i = 0; i < members.Length; i++)
            {
                var claim = claims[members[i]];
                (batch.ClaimIds[i], batch.ClaimFingerprints[i], batch.ClaimRoots[i]) = (claim.PostId, claim.Fingerprint, claim.RootPostId);
                (batch.ClaimFinal[i], batch.ClaimIsReply[i]) = (claim.Final, claim.IsReply);
            }

            var directory = grains.Get<IPostDirectoryGrain>(GrainKeys.ForShard(tenant, s.Shard));
            var result = await directory.ApplyAsync(batch);
            commits.Add(result.Commit, directory.WhenCommittedAsync);
            return (Conflicts: members.Where((_, i) => result.ClaimConflicts[i]).Select(m => claims[m]).ToList(), result.Deliveries);
        }));

        var lines = new HashSet<int>();
        foreach (var claim in results.SelectMany(r => r.Conflicts))
        {
            tally.Record(claim.Line, ItemOutcome.Conflict, $"'{claim.PostId}' was already stored with different fields");
            lines.Add(claim.Line);
        }

        return (lines, [.. results.SelectMany(r => r.Deliveries)]);
    }

    /// <summary>Applies the cascades' work; returns the original posts stored for the first time.</summary>
    private async Task<List<RootPostInfo>> ApplyCascadesAsync(IngestPlan plan, string tenant, LineTally tally, PendingCommits commits)
    {
        var newPosts = await Task.WhenAll(plan.Cascades.Select(async entry =>
        {
            var work = entry.Value;
            var cascade = Cascade(tenant, entry.Key);
            var result = await cascade.ApplyAsync(work.ToBatch());
            commits.Add(result.Commit, cascade.WhenCommittedAsync);
            var posts = new List<RootPostInfo>();
            for (var i = 0; i < work.Roots.Count; i++)
            {
                tally.Record(work.Roots[i].Line, result.Roots[i], result.RootReasons[i]);
                if (result.Roots[i] == ItemOutcome.Accepted && work.Roots[i].Event is { IsQuote: false } root)
                {
                    posts.Add(new RootPostInfo(entry.Key, root.AccountId, root.At, root.Tags ?? []));
                }
            }

            work.NodeOutcomes = result.Nodes;
            for (var i = 0; i < work.Nodes.Count; i++)
            {
                tally.Record(work.Nodes[i].Line, result.Nodes[i], result.Reasons[i]);
            }

            for (var i = 0; i < work.Impressions.Count; i++)
            {
                tally.Record(work.Impressions[i].Line, result.Impressions[i], null);
            }

            return posts;
        }));
        return [.. newPosts.SelectMany(p => p)];
    }

    /// <summary>New posts join the index of each of their tags and every campaign whose rule they match.</summary>
    private async Task IndexNewPostsAsync(List<RootPostInfo> posts, string tenant)
    {
        if (posts.Count == 0)
        {
            return;
        }

        var tagged = posts.SelectMany(p => p.Tags.Distinct(StringComparer.Ordinal).Select(tag => (Tag: tag, Post: p))).GroupBy(t => t.Tag, StringComparer.Ordinal);
        var indexing = Task.WhenAll(tagged.Select(tag =>
            grains.Get<ITagIndexGrain>(GrainKeys.For(tenant, tag.Key)).AddAsync([.. tag.Select(t => t.Post)])));
        var matches = await grains.Get<ICampaignDirectoryGrain>(tenant).MatchAsync([.. posts]);
        await Task.WhenAll(matches.GroupBy(m => m.CampaignId, StringComparer.Ordinal).Select(campaign =>
            grains.Get<ICampaignGrain>(GrainKeys.For(tenant, campaign.Key)).AddPostsAsync([.. campaign.Select(m => m.PostId)])));
        await indexing;
    }

    private async Task RecordRepostsMadeAsync(IngestPlan plan, string tenant)
    {
        var nodes = plan.Cascades.Values.Sum(work => work.Nodes.Count);
        var (accounts, reposts) = (new List<string>(nodes), new List<string>(nodes));
        foreach (var work in plan.Cascades.Values)
        {
            for (var i = 0; i < work.Nodes.Count; i++)
            {
                if (work.NodeOutcomes?[i] is ItemOutcome.Accepted or ItemOutcome.Duplicate && !work.Nodes[i].IsQuote)
                {
                    accounts.Add(work.Nodes[i].AccountId);
                    reposts.Add(work.Nodes[i].PostId);
                }
            }
        }

        await Task.WhenAll(GroupByShard(accounts.Count, i => accounts[i]).Select((members, shard) => members is null
            ? Task.CompletedTask
            : grains.Get<IAccountIndexGrain>(GrainKeys.ForShard(tenant, shard)).RecordRepostsAsync(
                [.. members.Select(m => accounts[m])], [.. members.Select(m => reposts[m])])));
    }

    /// <summary>Positions 0 to <paramref name="count"/> − 1 by the shard of the id at each, in order; null for a shard with none.</summary>
    private int[]?[] GroupByShard(int count, Func<int, string> idAt)
    {
        var shardOf = new int[count];
        var sizes = new int[shards.Count];
        for (var i = 0; i < count; i++)
        {
            shardOf[i] = shards.ShardOf(idAt(i));
            sizes[shardOf[i]]++;
        }

        var groups = new int[]?[shards.Count];
        var filled = new int[shards.Count];
        for (var i = 0; i < count; i++)
        {
            var shard = shardOf[i];
            (groups[shard] ??= new int[sizes[shard]])[filled[shard]++] = i;
        }

        return groups;
    }

    private async Task ApplyProfilesAsync(IngestPlan plan, string tenant, LineTally tally)
    {
        await Task.WhenAll(plan.Profiles.Select(async entry =>
        {
            var work = entry.Value.Profiles;
            var outcomes = await grains.Get<IAccountIndexGrain>(GrainKeys.ForShard(tenant, entry.Key)).ApplyProfilesAsync(entry.Value.ToBatch());
            for (var i = 0; i < work.Count; i++)
            {
                tally.Record(work[i].Line, outcomes[i], null);
            }
        }));
    }

    private async Task ApplyAccountsAsync(IngestPlan plan, string tenant, LineTally tally)
    {
        await Task.WhenAll(plan.Accounts.Select(async entry =>
        {
            var work = entry.Value;
            var result = await grains.Get<IAccountGrain>(GrainKeys.For(tenant, entry.Key)).ApplyAsync(work.ToBatch());
            for (var i = 0; i < work.Edges.Count; i++)
            {
                tally.Record(work.Edges[i].Line, result.Edges[i], null);
            }

            for (var i = 0; i < work.Snapshots.Count; i++)
            {
                tally.Record(work.Snapshots[i].Line, result.Snapshots[i], null);
            }
        }));
    }

    /// <summary>
    /// Resolves likes, replies and quotes to the cascades of their targets and delivers them. A
    /// reply or quote that lands in a cascade makes its own id part of that cascade, which can
    /// unlock more deliveries: repeated until nothing new is defined.
    /// </summary>
    private async Task RunDirectoryAsync(List<PlannedReference> references, List<Delivery> deliveries, string tenant, LineTally tally, PendingCommits commits)
    {
        var quoteLines = references.Where(r => r.Reference.Kind == ReferenceKind.Quote)
            .GroupBy(r => r.Reference.SourceId).ToDictionary(g => g.Key, g => g.First().Line);

        // Terminates: a round defines only cascades a post did not belong to yet, and there are finitely many.
        while (true)
        {
            var refused = await DeliverAsync(deliveries, tenant, commits);
            foreach (var (quote, root, reason) in refused)
            {
                if (quoteLines.TryGetValue(quote.SourceId, out var line))
                {
                    tally.Overrule(line, ItemOutcome.Conflict,
                        $"quote '{quote.SourceId}' is stored as the root of its own cascade, but not in the cascade of '{root}': {reason}");
                }
            }

            var defines = deliveries
                .Where(d => d.Reference.Kind is ReferenceKind.Reply
                    || (d.Reference.Kind is ReferenceKind.Quote && !refused.Any(r => r.Quote == d.Reference && r.Root == d.RootPostId)))
                .Select(d => new PlannedDefine(d.Reference.SourceId, d.RootPostId, Final: false))
                .ToList();
            if (defines.Count == 0 && references.Count == 0)
            {
                return;
            }

            var definesByShard = defines.ToLookup(d => shards.ShardOf(d.PostId));
            var referencesByShard = references.ToLookup(r => shards.ShardOf(r.Reference.TargetId));
            var touched = definesByShard.Select(g => g.Key).Union(referencesByShard.Select(g => g.Key));
            var results = await Task.WhenAll(touched.Select(async shard =>
            {
                var shardDefines = definesByShard[shard].ToList();
                var shardReferences = referencesByShard[shard].ToList();
                var directory = grains.Get<IPostDirectoryGrain>(GrainKeys.ForShard(tenant, shard));
                var result = await directory.ApplyAsync(new DirectoryBatch
                {
                    DefineIds = [.. shardDefines.Select(d => d.PostId)],
                    DefineRoots = [.. shardDefines.Select(d => d.RootPostId)],
                    DefineFinal = [.. shardDefines.Select(d => d.Final)],
                    References = [.. shardReferences.Select(r => r.Reference)],
                });
                commits.Add(result.Commit, directory.WhenCommittedAsync);
                for (var i = 0; i < shardReferences.Count; i++)
                {
                    // A quote's line is counted by its own cascade; likes and replies by the directory.
                    if (shardReferences[i].Reference.Kind != ReferenceKind.Quote)
                    {
                        tally.Record(shardReferences[i].Line, result.ReferenceIsNew[i] ? ItemOutcome.Accepted : ItemOutcome.Duplicate, null);
                    }
                }

                return result.Deliveries;
            }));

            deliveries = [.. results.SelectMany(d => d)];
            references = [];
        }
    }

    /// <summary>Delivers to the cascades; returns the quotes a cascade refused as nodes (a parent cycle), with why.</summary>
    private async Task<List<(PostReference Quote, string Root, string Reason)>> DeliverAsync(List<Delivery> deliveries, string tenant, PendingCommits commits)
    {
        var refused = await Task.WhenAll(deliveries.GroupBy(d => d.RootPostId).Select(async group =>
        {
            var likes = group.Where(d => d.Reference.Kind == ReferenceKind.Like).Select(d => d.Reference).ToList();
            var replies = group.Where(d => d.Reference.Kind == ReferenceKind.Reply).Select(d => d.Reference.SourceId).ToList();
            var quotes = group.Where(d => d.Reference.Kind == ReferenceKind.Quote).Select(d => d.Reference).ToList();
            var cascade = Cascade(tenant, group.Key);
            var result = await cascade.ApplyAsync(new CascadeBatch
            {
                LikeAccounts = [.. likes.Select(l => l.AccountId)],
                LikePosts = [.. likes.Select(l => l.TargetId)],
                ReplyIds = [.. replies],
                NodeIds = [.. quotes.Select(q => q.SourceId)],
                NodeAccounts = [.. quotes.Select(q => q.AccountId)],
                NodeParents = [.. quotes.Select(q => q.TargetId)],
                NodeTimes = [.. quotes.Select(q => q.At)],
                NodeIsQuote = [.. quotes.Select(_ => true)],
            });
            commits.Add(result.Commit, cascade.WhenCommittedAsync);
            return quotes.Select((quote, i) => (Quote: quote, Root: group.Key, Outcome: result.Nodes[i], Reason: result.Reasons[i]))
                .Where(q => q.Outcome == ItemOutcome.Cycle)
                .Select(q => (q.Quote, q.Root, q.Reason ?? "it would form a parent cycle"));
        }));
        return [.. refused.SelectMany(r => r)];
    }

    private ICascadeGrain Cascade(string tenant, string rootPostId) => grains.Get<ICascadeGrain>(GrainKeys.For(tenant, rootPostId));

    /// <summary>
    /// Changes the cascades and the directory took but may still be committing. The request goes
    /// on to its next grains meanwhile, and is acknowledged only once all of them are committed.
    /// </summary>
    private sealed class PendingCommits(LocalCommits local)
    {
        private readonly List<Func<Task>> _waits = [];

        /// <summary>A ticket of a grain in this silo is redeemed here, from the moment it is handed out; any other by its grain at the end.</summary>
        public void Add(JournalTicket? ticket, Func<JournalTicket, Task> whenCommitted)
        {
            if (ticket is null)
            {
                return;
            }

            var committed = local.WhenCommittedAsync(ticket);
            lock (_waits)
            {
                _waits.Add(committed is null ? () => whenCommitted(ticket) : () => committed);
            }
        }

        public Task WhenAllCommittedAsync()
        {
            lock (_waits)
            {
                return Task.WhenAll(_waits.Select(wait => wait()));
            }
        }
    }
}
