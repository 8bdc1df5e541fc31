using Microsoft.Extensions.Options;

namespace Reach.Grains;

/// <summary>
/// Grains keep their state in memory and write it when they deactivate. With in-memory storage a
/// silo that shuts down takes its storage with it, so writing then is pointless (and fails).
/// </summary>
public sealed class DeactivationWrites(IOptions<ReachOptions> options)
{
    public bool Wanted(DeactivationReason reason, bool dirty) =>
        dirty && !(options.Value.Storage == "memory" && reason.ReasonCode == DeactivationReasonCode.ShuttingDown);
}
