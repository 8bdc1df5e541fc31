using System.Diagnostics.Metrics;

namespace Reach.Api.Observability;

/// <summary>
/// reach_cluster_silos: active silos in the cluster as this silo's membership view has them, so a
/// dashboard can show the cluster's size and an alert can see it shrink. (Orleans exports no such
/// instrument of its own.)
/// </summary>
public sealed class ClusterGauge : IDisposable
{
    public const string MeterName = "Reach.Cluster";

    private readonly Meter _meter = new(MeterName);

    public ClusterGauge(IClusterMembershipService membership) =>
        _meter.CreateObservableGauge(
            "reach.cluster.silos",
            () => membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active),
            "{silo}",
            "Active silos in the cluster, as seen by this silo.");

    public void Dispose() => _meter.Dispose();
}
