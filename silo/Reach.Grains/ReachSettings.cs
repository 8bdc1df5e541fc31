using Orleans.Configuration;

namespace Reach.Grains;

/// <summary>
/// Every configuration key the service reads, in one place: the code reads them through these
/// names, and the deployment manifests are checked against <see cref="IsKnown"/>, so a manifest
/// cannot set a key that nothing reads. Environment variables spell ':' as '__'.
/// </summary>
public static class ReachSettings
{
    public const string SiloPort = "Reach:SiloPort";
    public const string GatewayPort = "Reach:GatewayPort";

    /// <summary>The address other silos reach this one at; defaults to <see cref="PodIp"/>, else loopback.</summary>
    public const string AdvertisedAddress = "Reach:AdvertisedAddress";

    /// <summary>The silo's name in the membership table; defaults to <see cref="PodName"/>.</summary>
    public const string SiloName = "Reach:SiloName";

    /// <summary>Kubernetes' downward API, as the manifests set it: the pod's name and IP.</summary>
    public const string PodName = "POD_NAME";
    public const string PodIp = "POD_IP";

    /// <summary>ASP.NET Core's own key for the HTTP port(s) to listen on.</summary>
    public const string HttpPorts = "ASPNETCORE_HTTP_PORTS";

    /// <summary>A section bound to Orleans' ClusterMembershipOptions (failure detection).</summary>
    public const string Membership = "Reach:Membership";

    public const string ConnectionStringName = "Reach";
    public const string ConnectionString = "ConnectionStrings:" + ConnectionStringName;
    public const string MaxBatchBytes = "Reach:MaxBatchBytes";

    private static readonly HashSet<string> Keys = new(
        new[] { SiloPort, GatewayPort, AdvertisedAddress, SiloName, PodName, PodIp, HttpPorts, ConnectionString, MaxBatchBytes }
            .Concat(typeof(ReachOptions).GetProperties().Select(p => $"{ReachOptions.Section}:{p.Name}")),
        StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> MembershipKeys = new(
        typeof(ClusterMembershipOptions).GetProperties().Where(p => p.CanWrite).Select(p => $"{Membership}:{p.Name}"),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the service reads <paramref name="key"/> ("Reach:ClusterId", or as an environment variable "Reach__ClusterId").</summary>
    public static bool IsKnown(string key)
    {
        var normalized = key.Replace("__", ":", StringComparison.Ordinal);
        return Keys.Contains(normalized) || MembershipKeys.Contains(normalized);
    }
}
