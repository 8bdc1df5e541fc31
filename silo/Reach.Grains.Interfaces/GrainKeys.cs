namespace Reach.Grains;

/// <summary>
/// Grain keys are "{tenant}/{id}" from the start, so that partitioning by tenant never changes the
/// storage layout. Tenant ids contain no '/', post and account ids may.
/// </summary>
public static class GrainKeys
{
    public const string DefaultTenant = "default";

    public static string For(string tenant, string id) => $"{tenant}/{id}";

    public static string ForShard(string tenant, int shard) => $"{tenant}/{shard}";

    public static (string Tenant, string Id) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (DefaultTenant, key) : (key[..slash], key[(slash + 1)..]);
    }
}
