namespace Reach.Grains;

public sealed class CampaignDirectoryGrain(
    [PersistentState("campaign-directory", ReachStorage.Name)] IPersistentState<CampaignDirectoryState> state) : Grain, ICampaignDirectoryGrain
{
    private Dictionary<string, HashSet<string>> _members = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _members = state.State.Groups.ToDictionary(g => g.Key, g => g.Value.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        return Task.CompletedTask;
    }

    public async Task<bool> SetGroupAsync(string name, string[] accountIds)
    {
        var created = !state.State.Groups.ContainsKey(name);
        state.State.Groups[name] = [.. accountIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _members[name] = [.. state.State.Groups[name]];
        await state.WriteStateAsync();
        return created;
    }

    public Task<string[]?> GetGroupAsync(string name) => Task.FromResult(state.State.Groups.GetValueOrDefault(name));

    public Task<Dictionary<string, string[]>> GetGroupsAsync() => Task.FromResult(new Dictionary<string, string[]>(state.State.Groups, StringComparer.Ordinal));

    public async Task SetRuleAsync(string campaignId, CampaignRule? rule)
    {
        if (rule is null)
        {
            state.State.Rules.Remove(campaignId);
        }
        else
        {
            state.State.Rules[campaignId] = rule;
        }

        await state.WriteStateAsync();
    }

    public Task<CampaignMatch[]> MatchAsync(RootPostInfo[] posts) => Task.FromResult<CampaignMatch[]>(
        [.. from rule in state.State.Rules
            from post in posts
            where rule.Value.Matches(post, InGroup)
            select new CampaignMatch(rule.Key, post.PostId)]);

    private bool InGroup(string group, string accountId) => _members.TryGetValue(group, out var members) && members.Contains(accountId);
}
