using System.Text.Json;
using Microsoft.Extensions.Options;
using Reach.Analysis;
using Reach.Analysis.Audience;
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
    IOptions<ReachOptions> options) : Grain, ICampaignGrain
{
    private const int CallsInFlight = 256;

    private string Tenant => GrainKeys.Parse(this.GetPrimaryKeyString()).Tenant;

    public async Task<CampaignView> DefineAsync(CampaignDefinition definition)
    {
        var directory = GrainFactory.GetGrain<ICampaignDirectoryGrain>(Tenant);
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

    public async Task<JsonRead> GetMetricsAsync(TimeSpan bucket)
    {
        if (state.State.Definition is not { } definition)
        {
            return new JsonRead(ReadStatus.Unknown, null, 0);
        }

        var tenant = Tenant;
        var cascades = new List<CascadeArrays>();
        foreach (var chunk in state.State.Posts.Chunk(CallsInFlight))
        {
            var read = await Task.WhenAll(chunk.Select(p => GrainFactory.GetGrain<ICascadeGrain>(GrainKeys.For(tenant, p)).GetCascadeAsync()));
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

        var counts = new AudienceCache();
        await counts.RefreshAsync(GrainFactory, tenant, accounts);
        long known = 0;
        foreach (var size in counts.SetSizes)
        {
            known += Math.Max(0, size);
        }

        var audiences = await new ParticipantAudiences().RefreshAsync(GrainFactory, tenant, accounts, counts, membersForAll: known <= options.Value.ExactReachLimit);
        var groups = await GrainFactory.GetGrain<ICampaignDirectoryGrain>(tenant).GetGroupsAsync();
        var inputs = new CampaignInputs
        {
            PostIds = [.. cascades.Select(c => c.RootPostId)],
            AccountIds = [.. accounts.Ids()],
            Nodes = nodes,
            Audiences = audiences,
            Followers = counts.Counts.ToArray(),
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
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "bucket")
        {
            return new JsonRead(ReadStatus.Invalid, null, 0, e.Message[..e.Message.IndexOf(" (Parameter", StringComparison.Ordinal)]);
        }

        var json = JsonSerializer.SerializeToNode(metrics, ReachJson.Options)!.AsObject();
        json.Insert(0, "campaignId", definition.Id);
        json.Insert(1, "name", definition.Name);
        json.Insert(2, "postsDefined", state.State.Posts.Length);
        return new JsonRead(ReadStatus.Ready, JsonSerializer.SerializeToUtf8Bytes(json, ReachJson.Options), 0);
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
                candidates.AddRange(await GrainFactory.GetGrain<ITagIndexGrain>(GrainKeys.For(tenant, tag)).GetAsync());
            }
        }
        else
        {
            foreach (var chunk in groups.Values.SelectMany(m => m).Distinct(StringComparer.Ordinal).Chunk(CallsInFlight))
            {
                var views = await Task.WhenAll(chunk.Select(async account =>
                    (Account: account, View: await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.For(tenant, account)).GetAsync())));
                candidates.AddRange(views.Where(v => v.View is not null)
                    .SelectMany(v => v.View!.Posts.Select(p => new RootPostInfo(p.PostId, v.Account, p.PostedAt, []))));
            }
        }

        return candidates.Where(c => rule.Matches(c, InGroup)).Select(c => c.PostId);
    }
}
