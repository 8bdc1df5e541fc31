using Reach.Grains;

namespace Reach.Api.Access;

/// <summary>
/// The grains of one tenant's data. Endpoints reach data only through the caller's, so no id in a
/// request can name a grain of another tenant: another tenant's post is simply not there (404).
/// </summary>
public sealed class TenantGrains(IGrainFactory grains, ShardLayout shards, string tenant)
{
    public string Tenant => tenant;

    public ICascadeGrain Cascade(string postId) => grains.Get<ICascadeGrain>(GrainKeys.For(tenant, postId));

    public IPostDirectoryGrain PostDirectory(string postId) =>
        grains.Get<IPostDirectoryGrain>(GrainKeys.ForShard(tenant, shards.ShardOf(postId)));

    public IAccountGrain Account(string accountId) => grains.Get<IAccountGrain>(GrainKeys.For(tenant, accountId));

    public IAccountIndexGrain AccountIndex(string accountId) =>
        grains.Get<IAccountIndexGrain>(GrainKeys.ForShard(tenant, shards.ShardOf(accountId)));

    public ICampaignGrain Campaign(string campaignId) => grains.Get<ICampaignGrain>(GrainKeys.For(tenant, campaignId));

    public ICampaignDirectoryGrain CampaignDirectory => grains.Get<ICampaignDirectoryGrain>(tenant);

    public IWatchListGrain WatchList => grains.Get<IWatchListGrain>(tenant);

    /// <summary>Minimal APIs bind a parameter of this type from the authenticated caller.</summary>
    public static ValueTask<TenantGrains?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<TenantGrains?>(new TenantGrains(context.RequestServices.GetRequiredService<IGrainFactory>(), context.RequestServices.GetRequiredService<ShardLayout>(), context.User.Tenant()));
}
