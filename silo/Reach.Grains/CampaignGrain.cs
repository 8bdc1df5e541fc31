using System.Text.Json;
using Microsoft.Extensions.Options;
using Reach.Analysis;
using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;
using Reach.Analysis.Export;
using Reach.Analysis.Ids;

namespace Reach.Grains;

/// <summary>
/// One campaign: its definition (explicit posts and/or a rule) and the root posts it holds. The
/// rule is registered with the tenant's campaign directory first, so posts ingested from then on
/// are matched at ingest; the posts stored before are found through the tag index (a rule with
/// tags) or the group members' accounts (a rule on groups alone).
/// </summary>
public sealed class CampaignGrain(
    [PersistentState("campaign", ReachStorage.Name)] IPersistentState<CampaignState> state,
    IOptions<ReachOptions> options,
    ShardLayout shards) : Grain, ICampaignGrain
{
    private const int CallsInFlight = 256;

    private string Tenant => GrainKeys.Parse(this.GetPrimaryKeyString()).Tenant;

    public async Task<CampaignView> DefineAsync(CampaignDefinition definition)
    {
        var directory = GrainFactory.Get<ICampaignDirectoryGrain>(Tenant);
        await directory.SetRuleAsync(definition.Id, definition.Rule);
        var posts = new HashSet<string>(definition.Posts, StringComparer.Ordinal);
        if (definition.Rule is { } rule)
        {
            posts.UnionWith(await StoredPostsMatchingAsync(rule, directory));
        }

        // Replaces what an earlier definition held. Posts matched at ingest meanwhile wait for this
        // call to finish (the grain takes one call at a time) and are added after it.
        state.State = new CampaignState { Definition = definition, Posts = [.. posts.Order(StringComparer.Ordinal)] };
        await state.WriteStateAsync();
        return new CampaignView(definition, state.State.Posts);
    }

    public async Task AddPostsAsync(string[] postIds)
    {
        if (state.State.Definition is null || postIds.All(p => state.State.Posts.Contains(p, StringComparer.Ordinal)))
        {
            return;
        }

        state.State = state.State with { Posts = [.. state.State.Posts.Union(postIds, StringComparer.Ordinal).Order(StringComparer.Ordinal)] };
        await state.WriteStateAsync();
    }

    public Task<CampaignView?> GetAsync() =>
        Task.FromResult(state.State.Definition is { } definition ? new CampaignView(definition, state.State.Posts) : null);

    public Task<JsonRead> GetMetricsAsync(TimeSpan bucket) => ReadAsync(bucket, report: false);

    public Task<JsonRead> GetReportAsync(TimeSpan bucket) => ReadAsync(bucket, report: true);

    /// <summary>The figures as JSON; with <paramref name="report"/>, inside a report with its evidence and the top post's tree.</summary>
    private async Task<JsonRead> ReadAsync(TimeSpan bucket, bool report)
    {
        if (state.State.Definition is not { } definition)
        {
            return new JsonRead(ReadStatus.Unknown, null, 0);
        }

        var (result, problem) = await ComputeAsync(definition, bucket, report);
        if (result is null)
        {
            return new JsonRead(ReadStatus.Invalid, null, 0, problem);
        }

        if (report)
        {
            var document = new CampaignReport(
                CampaignReport.CurrentVersion, definition.Id, definition.Name, DateTimeOffset.UtcNow, bucket, result.Metrics, result.Evidence!, result.Tree);
            return new JsonRead(ReadStatus.Ready, JsonSerializer.SerializeToUtf8Bytes(document, ReachJson.Options), 0);
        }

        var json = JsonSerializer.SerializeToNode(result.Metrics, ReachJson.Options)!.AsObject();
        json.Insert(0, "campaignId", definition.Id);
        json.Insert(1, "name", definition.Name);
        return new JsonRead(ReadStatus.Ready, JsonSerializer.SerializeToUtf8Bytes(json, ReachJson.Options), 0);
    }

    private sealed record Computed(CampaignMetrics Metrics, CampaignReportEvidence? Evidence, ReportTree? Tree);

    private const int TreeNodes = 300;

    private async Task<(Computed? Result, string? Problem)> ComputeAsync(CampaignDefinition definition, TimeSpan bucket, bool withEvidence)
    {
        var tenant = Tenant;
        var cascades = new List<CascadeArrays>();
        foreach (var chunk in state.State.Posts.Chunk(CallsInFlight))
        {
            var read = await Task.WhenAll(chunk.Select(p => GrainFactory.Get<ICascadeGrain>(GrainKeys.For(tenant, p)).GetCascadeAsync()));
            cascades.AddRange(read.OfType<CascadeArrays>());
        }

        var accounts = new IdTable();
        var nodes = new List<CampaignNode>();
        for (var post = 0; post < cascades.Count; post++)
        {
            var cascade = cascades[post];
            for (var i = 0; i < cascade.PostIds.Length; i++)
            {
                nodes.Add(new CampaignNode(post, cascade.PostIds[i], accounts.GetOrAdd(cascade.AccountIds[i]), cascade.Times[i], IsRoot: i == 0));
            }
        }

        var counts = new AudienceCache(shards);
        await counts.RefreshAsync(GrainFactory, tenant, accounts);
        var participants = new ParticipantAudiences();
        var audiences = await participants.RefreshAsync(GrainFactory, tenant, accounts, counts, options.Value.ExactReachLimit);
        var groups = await GrainFactory.Get<ICampaignDirectoryGrain>(tenant).GetGroupsAsync();
        var followers = counts.Counts.ToArray();
        var inputs = new CampaignInputs
        {
            PostIds = [.. cascades.Select(c => c.RootPostId)],
            AccountIds = [.. accounts.Ids()],
            Nodes = nodes,
            Audiences = audiences,
            Followers = followers,

            // The groups the rule names, else every group with a member among the participants.
            Groups = groups
                .Where(g => definition.Rule is { Groups.Length: > 0 } rule
                    ? rule.Groups.Contains(g.Key, StringComparer.Ordinal)
                    : g.Value.Any(member => accounts.IndexOf(member) >= 0))
                .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Value.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal),
            ExactLimit = options.Value.ExactReachLimit,
            Bucket = bucket,
        };

        CampaignMetrics metrics;
        try
        {
            metrics = await Task.Run(() => CampaignCalculator.Compute(inputs));
            if (metrics.ReachMethod == ReachFigures.Hll && metrics.Reach <= options.Value.ExactReachLimit)
            {
                // The sets overlap so much that the union fits the exact limit after all: count it exactly.
                audiences = await participants.RefreshAsync(GrainFactory, tenant, accounts, counts, options.Value.ExactReachLimit, membersForAll: true);
                inputs = inputs with { Audiences = audiences };
                metrics = await Task.Run(() => CampaignCalculator.Compute(inputs));
            }
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "bucket")
        {
            return (null, e.Message[..e.Message.IndexOf(" (Parameter", StringComparison.Ordinal)]);
        }

        if (!withEvidence)
        {
            return (new Computed(metrics, null, null), null);
        }

        // Off the grain's scheduler, as the figures are: a line and a hash per node and per account.
        var evidence = await Task.Run(() => Evidence(cascades, accounts, followers, audiences, nodes));
        var top = metrics.TopPosts.Count > 0 ? cascades.First(c => c.RootPostId == metrics.TopPosts[0].PostId) : null;
        return (new Computed(metrics, evidence, top is null ? null : Tree(top)), null);
    }

    /// <summary>What the figures rest on: method, engine, time range, fact counts, and the digest of the canonical fact lines.</summary>
    private static CampaignReportEvidence Evidence(
        List<CascadeArrays> cascades, IdTable accounts, long[] followers, AccountAudience?[] audiences, List<CampaignNode> nodes)
    {
        var nodeLines = cascades.SelectMany(cascade => Enumerable.Range(0, cascade.PostIds.Length).Select(i => EvidenceDigest.NodeLine(
            cascade.RootPostId, cascade.PostIds[i], cascade.AccountIds[i], ((NodeKind)cascade.Kinds[i]).ToString(),
            i == 0 ? null : cascade.PostIds[cascade.Parents[i]], cascade.Times[i])));
        var accountLines = Enumerable.Range(0, accounts.Count).Select(a => EvidenceDigest.AccountLine(accounts[a], followers[a], audiences[a]));
        var entries = audiences.Sum(a => a?.FollowerSetSize ?? 0);
        return new CampaignReportEvidence(
            CampaignReport.Method,
            CampaignReport.Engine,
            nodes.Count > 0 ? new DateTimeOffset(nodes.Min(n => n.At), TimeSpan.Zero) : null,
            nodes.Count > 0 ? new DateTimeOffset(nodes.Max(n => n.At), TimeSpan.Zero) : null,
            nodes.Count + accounts.Count + entries,
            new EvidenceCounts(cascades.Count, nodes.Count - cascades.Count, accounts.Count, entries),
            EvidenceDigest.Compute(nodeLines, accountLines));
    }

    /// <summary>The first nodes of a cascade in time order (parents come before children), for drawing.</summary>
    private static ReportTree Tree(CascadeArrays cascade)
    {
        var order = Enumerable.Range(1, cascade.PostIds.Length - 1).OrderBy(i => cascade.Times[i]).ThenBy(i => cascade.PostIds[i], StringComparer.Ordinal);
        var kept = new List<int> { 0 };
        var position = new Dictionary<int, int> { [0] = 0 };
        foreach (var node in order)
        {
            if (kept.Count == TreeNodes)
            {
                break;
            }

            if (position.ContainsKey(cascade.Parents[node]))
            {
                position[node] = kept.Count;
                kept.Add(node);
            }
        }

        return new ReportTree(
            cascade.RootPostId, cascade.PostIds.Length, [.. kept.Select(n => cascade.PostIds[n])], [.. kept.Select(n => n == 0 ? -1 : position[cascade.Parents[n]])]);
    }

    private async Task<IEnumerable<string>> StoredPostsMatchingAsync(CampaignRule rule, ICampaignDirectoryGrain directory)
    {
        var tenant = Tenant;
        var groups = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var group in rule.Groups)
        {
            groups[group] = [.. await directory.GetGroupAsync(group) ?? []];
        }

        bool InGroup(string group, string account) => groups.TryGetValue(group, out var members) && members.Contains(account);
        var candidates = new List<RootPostInfo>();
        if (rule.Tags.Length > 0)
        {
            foreach (var tag in rule.Tags)
            {
                candidates.AddRange(await GrainFactory.Get<ITagIndexGrain>(GrainKeys.For(tenant, tag)).GetAsync());
            }
        }
        else
        {
            foreach (var chunk in groups.Values.SelectMany(m => m).Distinct(StringComparer.Ordinal).Chunk(CallsInFlight))
            {
                var views = await Task.WhenAll(chunk.Select(async account =>
                    (Account: account, View: await GrainFactory.Get<IAccountGrain>(GrainKeys.For(tenant, account)).GetAsync())));
                candidates.AddRange(views.Where(v => v.View is not null)
                    .SelectMany(v => v.View!.Posts.Select(p => new RootPostInfo(p.PostId, v.Account, p.PostedAt, []))));
            }
        }

        return candidates.Where(c => rule.Matches(c, InGroup)).Select(c => c.PostId);
    }
}
